import numpy as np
import pytest

from w2vcnn.metrics import accuracy_of, balanced_accuracy


def test_accuracy_is_the_share_right_and_nan_for_no_labels():
    assert accuracy_of(np.array([0, 1, 1, 0]), [0, 1, 0, 0]) == 0.75
    assert np.isnan(accuracy_of(np.array([]), []))


def test_balanced_accuracy_is_the_mean_recall_of_the_classes():
    labels = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1]
    majority = [0] * 10
    assert balanced_accuracy(majority, labels) == 0.5  # accuracy 0.6: the 60/40 floor hides
    predictions = [0, 0, 0, 1, 1, 1, 1, 1, 1, 0]  # recall 3/6 on class 0, 3/4 on class 1
    assert balanced_accuracy(predictions, labels) == pytest.approx((3 / 6 + 3 / 4) / 2)
    with pytest.raises(ValueError, match="one prediction per label"):
        balanced_accuracy([0, 1], labels)

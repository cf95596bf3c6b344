"""The book's own MyST directive (a Sphinx extension, loaded by ``_config.yml``).

``{only-our-datasets}`` holds prose true only of the datasets the book ships with (rt-polarity's
IMDb plot sentences, rt-subjectivity's balance): it is shown when the book runs on them, and left
out, unparsed, when ``make book DATASETS=...`` gives others, so its glued numbers are never
looked for.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from . import profile, protocol


class OnlyOurDatasets(SphinxDirective):
    has_content = True

    def run(self) -> list[nodes.Node]:
        if not protocol.ours(profile.current()):
            return []
        holder = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, holder)
        return holder.children


def setup(app):
    app.add_directive("only-our-datasets", OnlyOurDatasets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

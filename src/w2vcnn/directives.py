"""The book's own MyST directives (a Sphinx extension, loaded by ``_config.yml``).

``{only-our-datasets}`` holds prose true only of the datasets the book ships with (rt-polarity's
IMDb plot sentences, rt-subjectivity's balance): it is shown when the book runs on them, and left
out, unparsed, when ``make book DATASETS=...`` gives others, so its glued numbers are never
looked for. ``{only-our-vectors}`` does the same for prose true only of the vectors the book
trains itself (small-corpus word2vec): left out when ``make book VECTORS=...`` gives the
reader's own.

``{when-verdict}`` holds prose true only for one outcome of a test the page ran: its argument names
the page's glued verdicts and the outcomes the prose assumes (``q1_padding_rand_verdict is
higher``; ``a_verdict is no clear difference and b_verdict is higher``; ``a_verdict is not
higher``; alternatives with ``or``), and the prose is on the page exactly when every condition
holds. The direction is what counts: ``"higher (exploratory)"`` is ``higher``. A name the page
did not glue, or an outcome no test gives, stops the build with the page and line.

It also keeps one copy of each script a page loads: Jupyter Book 1 adds sphinx-thebe's inline
settings twice, and the second ``const`` declaration throws on every page; and it gives a page's
``.ipynb`` download the outputs of a cached execution, which myst-nb leaves out.
"""

from __future__ import annotations

import ast
import re

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from . import profile, protocol


class _OnlyWhen(SphinxDirective):
    """Its content, parsed, where :meth:`holds` for the book's profile; else nothing."""

    has_content = True

    def holds(self, p: profile.Profile) -> bool:
        raise NotImplementedError

    def run(self) -> list[nodes.Node]:
        if not self.holds(profile.current()):
            return []
        holder = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, holder)
        return holder.children


class OnlyOurDatasets(_OnlyWhen):
    def holds(self, p: profile.Profile) -> bool:
        return protocol.ours(p)


class OnlyOurVectors(_OnlyWhen):
    def holds(self, p: profile.Profile) -> bool:
        return p.vectors is None


VERDICTS = ("higher", "lower", "no clear difference")
_CONDITION = re.compile(r"^\s*(\w+)\s+is\s+(not\s+)?(.+?)\s*$")


def verdict_conditions(text: str) -> list[tuple[str, bool, frozenset[str]]]:
    """``"a is higher and b is not lower or no clear difference"`` as ``[(name, negated,
    outcomes)]``; a ValueError names the part that is not such a condition."""
    conditions = []
    for part in text.split(" and "):
        match = _CONDITION.match(part)
        if not match:
            raise ValueError(f"{part.strip()!r} is not 'NAME is [not] OUTCOME [or OUTCOME]'")
        name, negated, outcomes = match.groups()
        outcomes = frozenset(o.strip() for o in outcomes.split(" or "))
        unknown = sorted(outcomes - set(VERDICTS))
        if unknown:
            raise ValueError(f"{name}: {unknown[0]!r} is not an outcome (one of {VERDICTS})")
        conditions.append((name, bool(negated), outcomes))
    return conditions


def direction(verdict: str) -> str:
    """The outcome a glued verdict states: ``"higher (exploratory)"`` -> ``"higher"``."""
    for outcome in VERDICTS:
        if verdict == outcome or verdict.startswith(outcome + " ("):
            return outcome
    raise ValueError(f"{verdict!r} is not a verdict (one of {VERDICTS})")


class WhenVerdict(SphinxDirective):
    """Its content, parsed, where every condition on the page's glued verdicts holds; else
    nothing. A missing name or an unknown outcome is an error at the directive's line."""

    has_content = True
    required_arguments = 1
    final_argument_whitespace = True

    def run(self) -> list[nodes.Node]:
        try:
            conditions = verdict_conditions(self.arguments[0])
            holds = all(
                (direction(self._glued(name)) in outcomes) != negated
                for name, negated, outcomes in conditions
            )
        except ValueError as error:
            raise self.error(f"when-verdict: {error}") from None
        if not holds:
            return []
        holder = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, holder)
        return holder.children

    def _glued(self, name: str) -> str:
        from myst_nb.core.variables import RetrievalError
        from myst_nb.ext.glue.utils import retrieve_glue_data

        try:
            glued = retrieve_glue_data(self.state.document, name)
        except RetrievalError:
            raise ValueError(f"{name!r} is not glued on this page") from None
        try:
            return str(ast.literal_eval(glued.data["text/plain"]))
        except (ValueError, SyntaxError):
            raise ValueError(f"{name!r} is glued on this page, but not as text") from None


def _one_copy_of_each_script(app, pagename, templatename, context, doctree) -> None:
    """Drop a script the page already loads (same file or inline body, same attributes), in the
    page's own list: handlers after this one still add to it."""
    scripts = context.get("script_files")
    if not scripts:
        return
    kept, seen = [], set()
    for script in scripts:
        attributes = getattr(script, "attributes", {})
        # an inline script's file is None or "" depending on who added it
        key = (str(getattr(script, "filename", script) or ""), tuple(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    scripts[:] = kept


def _download_keeps_cached_outputs() -> None:
    """Give a chapter's ``.ipynb`` download the outputs of its cached execution.

    myst-nb 1.4 renders a notebook that jupyter-cache already holds from a merged copy, but writes
    the notebook it read, without outputs, as the page's download. ``make book`` serves every
    chapter from the cache (``python -m w2vcnn chapters`` executed them first), so the outputs
    are merged into the notebook read instead."""
    from myst_nb.core.execute.cache import NotebookClientCache

    start_client = NotebookClientCache.start_client
    if getattr(start_client, "keeps_outputs", False):
        return

    def start_and_keep_outputs(self):
        read = self.notebook
        start_client(self)
        if self.notebook is not read:  # served from the cache, merged into a copy
            read.metadata, read.cells = self.notebook.metadata, self.notebook.cells
            self._notebook = read

    start_and_keep_outputs.keeps_outputs = True
    NotebookClientCache.start_client = start_and_keep_outputs


def setup(app):
    _download_keeps_cached_outputs()
    app.add_directive("only-our-datasets", OnlyOurDatasets)
    app.add_directive("only-our-vectors", OnlyOurVectors)
    app.add_directive("when-verdict", WhenVerdict)
    # late, when every duplicate is in; scripts added after it are kept as added
    app.connect("html-page-context", _one_copy_of_each_script, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

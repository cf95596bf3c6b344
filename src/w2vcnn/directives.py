"""The book's own MyST directives (a Sphinx extension, loaded by ``_config.yml``).

``{only-our-datasets}`` holds prose true only of the datasets the book ships with (rt-polarity's
IMDb plot sentences, rt-subjectivity's balance): it is shown when the book runs on them, and left
out, unparsed, when ``make book DATASETS=...`` gives others, so its glued numbers are never
looked for. ``{only-our-vectors}`` does the same for prose true only of the vectors the book
trains itself (small-corpus word2vec): left out when ``make book VECTORS=...`` gives the
reader's own.

It also keeps one copy of each script a page loads: Jupyter Book 1 adds sphinx-thebe's inline
settings twice, and the second ``const`` declaration throws on every page.
"""

from __future__ import annotations

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


def setup(app):
    app.add_directive("only-our-datasets", OnlyOurDatasets)
    app.add_directive("only-our-vectors", OnlyOurVectors)
    # late, when every duplicate is in; scripts added after it are kept as added
    app.connect("html-page-context", _one_copy_of_each_script, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

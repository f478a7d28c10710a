"""What a %profviz cell shows: the profviz page of one profile.

A ProfileView is the display object the magics return. Inline (the
default), it is an IFrame of the page, as tall as the page needs to show the
whole first icicle; otherwise (-t, or a terminal) a link. It holds the
profile's file (path), its id on the server (profile_id) and the page (url).
"""

import html

ROW_HEIGHT = 20        # web/js/graph.js: one icicle level
GRAPH_SHARE = 0.52     # web/style.css: the icicle pane is 52vh of the page
GRAPH_EXTRA = 30       # the pane's status line and margins
MIN_HEIGHT = 480
MAX_HEIGHT = 900


def fitting_height(levels):
    """The IFrame height in pixels at which the page's icicle pane shows
    `levels` levels without scrolling, within MIN_HEIGHT..MAX_HEIGHT."""
    if not levels:
        return 600
    need = (levels * ROW_HEIGHT + GRAPH_EXTRA) / GRAPH_SHARE
    return int(max(MIN_HEIGHT, min(MAX_HEIGHT, round(need))))


class ProfileView:
    """The page of one profile on this kernel's profviz server."""

    def __init__(self, url, path, profile_id, name, height=600, inline=True):
        self.url = url
        self.src = url  # as IPython.display.IFrame calls it
        self.path = path
        self.profile_id = profile_id
        self.name = name
        self.height = height
        self.inline = inline
        self._shown = False  # set by the magic once it displayed this view

    def _repr_html_(self):
        url = html.escape(self.url, quote=True)
        link = (f'<a href="{url}" target="_blank" rel="noopener">'
                f'{"open in a new tab" if self.inline else html.escape(self.url)}</a>')
        caption = (f'<div class="profviz-caption" style="font: 12px sans-serif; '
                   f'color: #57606a; margin: 3px 0 0">profviz · {link} · '
                   f'<code>{html.escape(self.path)}</code></div>')
        if not self.inline:
            return caption
        return (f'<iframe class="profviz-frame" src="{url}" width="100%" height="{self.height}" '
                f'style="border: 1px solid #d0d7de; border-radius: 6px" '
                f'title="profviz: {html.escape(self.name, quote=True)}"></iframe>' + caption)

    def __repr__(self):
        return f"profviz: {self.url} ({self.path})"

    def _mimebundle(self):
        return {"text/html": self._repr_html_(), "text/plain": repr(self)}

    def _ipython_display_(self):
        # The magic displays the view itself (so that it shows wherever the
        # magic is in the cell) and returns it: the displayhook's second
        # display of the same object in the same cell is skipped.
        if self._shown:
            self._shown = False
            return
        from IPython.display import publish_display_data

        publish_display_data(self._mimebundle())

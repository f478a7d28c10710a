"""%profviz and %%profviz: profile a statement or a cell, show it in profviz.

    %profviz [-o FILE] [-t] STATEMENT
    %%profviz [-o FILE] [-t]

The code runs in the user's namespace under cProfile, as with %prun. The
profile goes to this kernel's profviz server (one per kernel, see
profviz.server), which stores it in its temporary folder; -o FILE also
writes it to FILE. The page of the profile is shown in an IFrame below the
cell (-t: opened in a browser tab instead; in a terminal IPython, always a
tab). When the code raises, the profile of what ran is shown and the
exception is raised again.
"""

import cProfile
import marshal
import os
import sys
import time
import webbrowser

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class

from . import server as _server_module
from .display import ProfileView, fitting_height

UI_DEPTH = 12  # web/js/urlstate.js DEFAULT_DEPTH: the levels the page asks for first


def _strip_quotes(s):
    return s[1:-1] if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"" else s


@magics_class
class ProfvizMagics(Magics):
    """The %profviz line and cell magic."""

    last_view = None

    @line_cell_magic
    def profviz(self, line="", cell=None):
        """Profile a statement (%profviz) or a cell (%%profviz) with cProfile
        and show it in profviz, inline below the cell.

        Options:
          -o FILE  also write the profile (a pstats file) to FILE
          -t       open the profile in a browser tab instead of inline

        The profviz program is found on PATH or through PROFVIZ_BIN. The
        notebook page's origin is allowed to frame the profviz page; set
        PROFVIZ_EMBED_ORIGIN when it is not found (see the README).
        """
        opts, stmt = self.parse_options(line, "to:", posix=False, strict=False)
        code = stmt if cell is None else stmt + "\n" + cell
        if not code.strip():
            raise UsageError("%profviz needs code: %profviz STATEMENT, or %%profviz on a cell")
        try:
            binary = _server_module.find_binary()
        except _server_module.ProfvizError as e:
            raise UsageError(str(e)) from None
        output = os.path.abspath(os.path.expanduser(_strip_quotes(opts["o"]))) if "o" in opts else None
        if output and not os.path.isdir(os.path.dirname(output)):
            raise UsageError(f"-o {opts['o']}: the folder {os.path.dirname(output)} does not exist")
        tab = "t" in opts or type(self.shell).__name__ == "TerminalInteractiveShell"

        shell = self.shell
        code = shell.transform_cell(code)
        number = shell.execution_count
        try:
            filename = shell.compile.cache(code, number)
        except Exception:
            filename = "<profviz>"
        compiled = compile(code, filename, "exec", shell.compile.flags, dont_inherit=True)
        namespace = shell.user_ns
        profiler = cProfile.Profile()
        failure = None
        try:
            profiler.enable()
            try:
                exec(compiled, namespace)
            finally:
                profiler.disable()
        except SystemExit:
            print("*** SystemExit exception caught in code being profiled.", file=sys.stderr)
        except BaseException as e:  # shown, then raised again below
            failure = e
        finished = time.perf_counter()

        profiler.create_stats()
        data = marshal.dumps(profiler.stats)
        name = os.path.basename(output) if output else f"cell-{number}.prof"
        if output:
            with open(output, "wb") as f:
                f.write(data)
        try:
            srv = _server_module.get_server(binary)
            summary = srv.upload(data, name)
        except _server_module.ProfvizError as e:
            if failure is not None:
                raise failure
            raise UsageError(str(e) + (f"\n(the profile is in {output})" if output else "")) from None
        profile_id = summary["id"]
        url = srv.page_url(profile_id)
        path = output or os.path.join(srv.folder, summary.get("name", name))
        height = fitting_height(srv.levels(profile_id, UI_DEPTH)) if not tab else 0
        view = ProfileView(url, path, profile_id, name, height=height, inline=not tab)
        view.seconds_to_show = time.perf_counter() - finished
        ProfvizMagics.last_view = view

        if tab:
            webbrowser.open_new_tab(url)
            print(f"profviz: {url}  ({path})")
        if failure is not None:
            if not tab:
                self._show(view)
            raise failure
        if tab and type(shell).__name__ == "TerminalInteractiveShell":
            return None
        self._show(view)
        return view

    def _show(self, view):
        from IPython.display import display

        display(view)
        view._shown = True
        # If the cell does not end with this magic, nothing displays the
        # returned view again: let a later display(view) show it.
        events = self.shell.events

        def forget(*args):
            view._shown = False
            try:
                events.unregister("post_run_cell", forget)
            except ValueError:
                pass

        events.register("post_run_cell", forget)

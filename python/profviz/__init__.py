"""profviz in IPython and Jupyter: ``%profviz STATEMENT`` and ``%%profviz``.

Load with ``%load_ext profviz``. The magics profile the code in the user's
namespace with cProfile, as ``%prun`` does, hand the profile to one
``profviz --dir`` server per kernel, and show the profviz page of it inline
in an IFrame (or, with ``-t``, in a browser tab). The profviz program is
found on PATH or through ``$PROFVIZ_BIN``; see ``profviz.server``.
"""

__version__ = "0.1.0"


def load_ipython_extension(ipython):
    """Registers %profviz and %%profviz (called by %load_ext profviz)."""
    from .magic import ProfvizMagics

    ipython.register_magics(ProfvizMagics)

"""Running the ``backdrop`` command in-process, as the CLI tests do."""
from backdrop.cli import main


def run(capsys, *args):
    """``(exit code, stdout, stderr)`` of ``backdrop *args``."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err

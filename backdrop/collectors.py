"""What a collect method is; the built-in ones live in ``backdrop.builtins.collectors``."""


class Collector:
    """``collect=field:<name>``: computed in the store by ``primitive``, then ``finish``ed."""

    def __init__(self, name, primitive=None, finish=None):
        self.name = name
        self.primitive = primitive or name
        self._finish = finish

    def finish(self, value):
        return self._finish(value) if self._finish else value

    @property
    def finishes(self):
        """Whether ``finish`` can change a value (the read API skips calling it when not)."""
        return self._finish is not None or type(self).finish is not Collector.finish

"""Config loading, caught mid-edit: one method does not parse yet."""
import gc
import json
import os


class ConfigError(Exception):
    pass


class ConfigFile:  # expect: HI010
    def __init__(self, path):
        self.path = path
        self._fh = open(path)
        self.problem = None

    def load(self):
        try:
            return json.load(self._fh)
        except ValueError as exc:
            self.problem = exc  # expect: HI009
            raise ConfigError(self.path) from exc

    def reload(self):
        self._fh.seek(0
        return self.load(

    def close(self):
        self._fh.close()

    def __del__(self):
        self._fh.close()  # expect: HI001


class Watched(ConfigFile):
    def __init__(self, path):
        super().__init__(path)
        self.on_change = self.reload  # expect: HI008


def bulk_load(paths):
    gc.disable()  # expect: HI011
    configs = [ConfigFile(p).load() for p in paths if os.path.exists(p)]
    gc.enable()
    return configs

"""A toy widget toolkit: widgets keep callbacks for their events."""


class Widget:
    def __init__(self, parent=None):
        self.parent = parent
        self.children = []
        self._bindings = {}
        if parent is not None:
            parent.children.append(self)

    def bind(self, event, handler):
        self._bindings.setdefault(event, []).append(handler)

    def fire(self, event, *args):
        for handler in self._bindings.get(event, ()):
            handler(*args)


class Button(Widget):
    def __init__(self, parent, label):
        super().__init__(parent)
        self.label = label
        self.bind("click", self.on_click)  # ok: HI008
        self.on_hover = self.highlight  # expect: HI008
        self.root = self if parent is None else parent  # expect: HI008

    def on_click(self):
        print("clicked", self.label)

    def highlight(self):
        self.label = self.label.upper()


class Entry(Widget):
    def __init__(self, parent):
        super().__init__(parent)
        self.value = ""
        self.validators = [self._not_empty, self._max_length]  # expect: HI008

    def _not_empty(self):
        return bool(self.value)

    def _max_length(self):
        return len(self.value) < 80

    @staticmethod
    def _strip(text):
        return text.strip()

    @property
    def clean(self):
        return self._strip(self.value)


class Form(Widget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.normalize = self._strip_all  # ok: HI008
        self.submit_label = self.default_label  # ok: HI008

    @staticmethod
    def _strip_all(values):
        return [v.strip() for v in values]

    @property
    def default_label(self):
        return "Submit"

"""Errors caught and stored for a report: each stored exception keeps its traceback, whose frames
keep their locals, among them the exception itself."""
import gc


class ValidationError(Exception):
    def __init__(self, field, value):
        super().__init__("invalid %s: %r" % (field, value))
        self.field = field
        self.value = value


def validate(record):
    if record["age"] < 0:
        raise ValidationError("age", record["age"])
    if not record["name"]:
        raise ValidationError("name", record["name"])
    return record


def import_rows(rows):
    errors = []
    accepted = 0
    for row in rows:
        try:
            validate(row)
            accepted += 1
        except ValidationError as error:
            errors.append(error)  # the error's traceback holds this frame, which holds `errors`
    return accepted, errors


report = []
for batch in range(120):
    rows = [{"name": "" if i % 9 == 0 else "user%d" % i, "age": i - 3 if i % 4 else i} for i in range(40)]
    accepted, errors = import_rows(rows)
    if batch % 30 == 0:
        report.append((batch, accepted, errors))
    del errors
print("batches reported", len(report))
gc.set_debug(gc.DEBUG_COLLECTABLE); gc.collect(); gc.set_debug(0)  # heap-inspector: capture

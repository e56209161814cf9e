"""A million objects under one list, for the memory table's scrolling test (retainedViews.test.ts):
the list's row in the dominator tree opens onto a million rows, each a float of its own."""
readings = [float(i) / 8 for i in range(1_000_000)]
print(len(readings), "readings")  # @capture

"""Our consoles' robots: a ``teller.consolemap.MapBot`` subclass for a step a map cannot say."""

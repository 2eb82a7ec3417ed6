"""Run history: one record per scored run (`record`), kept in a store (`store`), read back by the
PR comment and the weekly report."""

"""Running the move: waves in order, soak, measure, decide (continue, merge, hold, scale out)."""

"""What waits for each member of staff: the tasks and counts on the staff home page."""

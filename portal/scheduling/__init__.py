"""Daily jobs run once a day however many workers run them (`flask worker`)."""

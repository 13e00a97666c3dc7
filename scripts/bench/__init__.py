"""The parts of scripts/benchmark.py: the caseload it seeds, the pages it judges, the browser
that signs in, the servers and load it runs, the ceiling page it compares with, the report."""

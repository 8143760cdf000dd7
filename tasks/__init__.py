"""Pipeline stages: pure functions first, a thin Prefect @task at the bottom of each module."""

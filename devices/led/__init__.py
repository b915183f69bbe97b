"""LED window strips (窗口条屏) and main LED screens (综合屏) on Onbon BX-5K/6K controllers."""

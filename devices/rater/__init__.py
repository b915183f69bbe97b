"""Window raters (服务评价器) on each counter, FF 68 frames on RS-485."""

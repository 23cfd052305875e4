"""First run and startup: kernel warm-up in the background, the welcome screen, the app icon,
the About box and the launch-to-first-paint probe used by bench/startup_bench.py."""

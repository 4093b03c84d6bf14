"""The demo: the Northwind Energy menu, customers and outages, and hold content made on
this machine (synthesised music, spoken tips, channels and quiz questions)."""

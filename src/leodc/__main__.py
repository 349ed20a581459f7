from leodc.cli import run

run()

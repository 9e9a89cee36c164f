#!/bin/sh
# peel demo application: prints a greeting and the config.
echo "hello from the peel demo"
cat /app/config.ini

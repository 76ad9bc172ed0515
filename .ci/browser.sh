# Sourced by .ci/run: Debian's Chromium for the report page test. Playwright drives it through
# CHROMIUM; Playwright's own browser download is never used.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        chromium fonts-dejavu-core >/dev/null
fi
CHROMIUM="$(command -v chromium)"
export CHROMIUM
echo "$("$CHROMIUM" --version 2>/dev/null) is here for the browser tests"

"""The README's numbers and sample outputs are the code's: its generated blocks
(docs/readme.py, `make readme`) match what the code produces now."""

from __future__ import annotations

import re

from docs import readme
from tests.conftest import cached_plan


def test_the_readme_is_current():
    plans = {stack: cached_plan(stack) for stack in readme.STACKS}
    text = readme.README.read_text()
    assert readme.regenerate(text, plans) == text, "README.md is stale: run `make readme`"


def test_the_generated_blocks_say_what_the_code_does():
    plans = {stack: cached_plan(stack) for stack in readme.STACKS}
    blocks = readme.blocks(plans)
    assert f"Resources: + {len(plans['prod'])} to create" in blocks["chain"]
    assert re.search(rf"\| prod \| {len(plans['prod'])} \| \d+m \d\ds: ", blocks["estimate"])
    assert blocks["diffsample"].startswith("````markdown\n<!-- webstack-diff:staging..prod -->")
    assert "| `webstack check prod` |" in blocks["timings"]

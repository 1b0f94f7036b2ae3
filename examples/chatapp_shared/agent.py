"""A deterministic agent: triage, one tool call, a result.

No model and no network, so that a latency measured end to end is the cost of the
plumbing (auth, managers, persistence, WebSocket framing) and nothing else. The
same input always gives the same events and the same recommendations.
"""

from __future__ import annotations

import re
from typing import Any, Awaitable, Callable

EVENTS = ("agent_started", "agent_thinking", "tool_executing", "tool_completed", "agent_completed")

Emit = Callable[[str, dict[str, Any]], Awaitable[Any]]

_INTENTS = (
    ("cost", ("cost", "spend", "bill", "price", "budget", "$")),
    ("performance", ("slow", "latency", "performance", "fast", "timeout")),
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def triage(content: str) -> str:
    """The intent of a message: 'cost', 'performance' or 'general'."""
    text = content.lower()
    for intent, words in _INTENTS:
        if any(word in text for word in words):
            return intent
    return "general"


def _cost_estimator(content: str) -> dict[str, Any]:
    amounts = [float(n) for n in _NUMBER.findall(content)]
    total = round(sum(amounts), 2)
    return {"amounts": amounts, "monthly_total": total, "potential_saving": round(total * 0.2, 2)}


def _latency_profiler(content: str) -> dict[str, Any]:
    samples = [float(n) for n in _NUMBER.findall(content)] or [0.0]
    return {"samples": len(samples), "worst": max(samples), "hotspot": "network" if max(samples) > 100 else "cpu"}


def _knowledge_lookup(content: str) -> dict[str, Any]:
    words = sorted({w for w in re.findall(r"[a-z]{4,}", content.lower())})
    return {"keywords": words[:5], "articles": len(words)}


_TOOLS: dict[str, tuple[str, Callable[[str], dict[str, Any]]]] = {
    "cost": ("cost_estimator", _cost_estimator),
    "performance": ("latency_profiler", _latency_profiler),
    "general": ("knowledge_lookup", _knowledge_lookup),
}


def _recommend(intent: str, result: dict[str, Any]) -> list[str]:
    if intent == "cost":
        return [f"Right-size idle capacity to save about {result['potential_saving']} per month",
                "Move steady workloads to committed-use pricing"]
    if intent == "performance":
        return [f"Investigate the {result['hotspot']} hotspot first", "Add a p99 latency budget to CI"]
    return [f"Read up on: {', '.join(result['keywords']) or 'getting started'}"]


async def run_agent(content: str, emit: Emit) -> list[str]:
    """Run the agent on ``content``, emitting the five events in order; returns the recommendations."""
    intent = triage(content)
    await emit("agent_started", {"agent": "triage", "input_chars": len(content)})
    await emit("agent_thinking", {"step": "triage", "intent": intent})
    tool_name, tool = _TOOLS[intent]
    await emit("tool_executing", {"tool": tool_name})
    result = tool(content)
    await emit("tool_completed", {"tool": tool_name, "result": result})
    recommendations = _recommend(intent, result)
    await emit("agent_completed", {"intent": intent, "recommendations": recommendations})
    return recommendations

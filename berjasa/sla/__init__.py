"""SLA clocks: started, paused and stopped by the transitions that cause them, warned and breached by the tick."""

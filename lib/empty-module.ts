// Stands in for 'server-only' outside Next (CLI, front server, tests).
export {};

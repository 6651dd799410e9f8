package io.caucus.chaos;

/**
 * One injected fault, resolved to concrete nodes, and when it struck and was healed (microseconds since the run
 * started, the history's clock). Operations invoked in [startMicros, healedMicros) ran under the fault; those in
 * [healedMicros, nextStart) ran during recovery.
 */
record FaultWindow(int number, FaultKind kind, String description, long startMicros, long healedMicros) {
}

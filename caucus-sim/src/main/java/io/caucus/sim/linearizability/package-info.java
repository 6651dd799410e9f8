/**
 * Linearizability checking of key-value histories, used at the end of every simulator seed and by the chaos
 * tester.
 *
 * <p>Clients record what they observed with a {@link io.caucus.sim.linearizability.HistoryRecorder} (invoke
 * before sending, complete after learning the outcome; never complete, or complete as
 * {@link io.caucus.sim.linearizability.Outcome#UNKNOWN}, when the outcome is not known). Then
 * {@link io.caucus.sim.linearizability.LinearizabilityChecker#check(java.util.List, long)} searches each key's
 * sub-history for an order that respects real time and the sequential model (a String or absent per key), and
 * on failure names the key, a small window of operations and what was read against what was possible.
 *
 * <p>Pieces: {@code KeyHistorySearch} (Wing &amp; Gong search over an event list, iterative),
 * {@code ExploredConfigurations} (Lowe's memo, with dominance for UNKNOWN operations), {@code ObservedValues}
 * (skips UNKNOWN effects nobody could see), {@code KvModel} (the sequential specification) and
 * {@code ViolationReport} (witness and explanation). {@link io.caucus.sim.linearizability.HistoryShrinker} shrinks a
 * violation to its smallest failing window (delta debugging) for the chaos tester's reports.
 */
package io.caucus.sim.linearizability;

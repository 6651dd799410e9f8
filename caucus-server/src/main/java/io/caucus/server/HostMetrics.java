package io.caucus.server;

import io.caucus.transport.TransportMetrics;

/**
 * Counters of a {@link CaucusHost} since it started: what its groups share.
 *
 * @param groups         groups running on the process now
 * @param quiesced       of those, the groups quiesced now: idle, they send nothing and count no election ticks
 * @param wakes          quiesced groups the process woke because their leader's process went silent
 * @param walFsyncs      fsyncs of the shared write-ahead log (segment rollovers included)
 * @param walSyncRounds  syncs that forced the log, each making every group's writes before it durable: a busy
 *                       host's groups share them, so this grows far slower than the groups' writes
 * @param walCoalesced   requests for durability that found their writes already covered by another group's fsync
 * @param walGathered    sync rounds that first let requests gather, as rounds do while several groups are writing
 *                       ({@link CaucusHost.Builder#syncGather})
 * @param transport      the process's peer traffic, every group's together
 */
public record HostMetrics(int groups, int quiesced, long wakes, long walFsyncs, long walSyncRounds, long walCoalesced,
                          long walGathered, TransportMetrics transport) {
}

package io.caucus.sim;

/**
 * What became of commands a scenario proposed at one node: the index and term where the first of them landed in
 * that node's log, or the runtime's refusal (for instance {@link io.caucus.server.NotLeaderException}, which names
 * the leader). The refusal means "not applied"; an accepted proposal may still be overwritten by another leader.
 */
public record Proposal(long index, long term, Throwable refusal) {

    static Proposal landed(long index, long term) {
        return new Proposal(index, term, null);
    }

    static Proposal refused(Throwable refusal) {
        return new Proposal(0, 0, refusal);
    }

    public boolean accepted() {
        return refusal == null;
    }
}

package io.caucus.sim;

import io.caucus.core.NodeId;
import io.caucus.core.ProposeResult;
import io.caucus.core.message.AppendEntries;
import io.caucus.core.message.RaftMessage;
import io.caucus.core.message.RequestVote;
import io.caucus.sim.kv.KvCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Small helpers shared by the scripted scenarios. */
final class Scenarios {

    private static long nextOperation = 1;

    private Scenarios() {
    }

    static NodeId n(int i) {
        return NodeId.of("n" + i);
    }

    static Set<NodeId> nodes(int... ids) {
        Set<NodeId> set = new TreeSet<>();
        for (int id : ids) {
            set.add(n(id));
        }
        return set;
    }

    /** A distinct PUT command whose value names it. */
    static byte[] put(String value) {
        return new KvCommand(0, nextOperation++, KvCommand.Kind.PUT, "k", value, null).encode();
    }

    static String valueOf(io.caucus.core.LogEntry entry) {
        return KvCommand.decode(entry.payload()).value();
    }

    /** Proposes at {@code leader} and returns the accepted index; fails if not accepted. */
    static long proposeAccepted(Simulation sim, NodeId leader, byte[] command) {
        ProposeResult result = sim.propose(leader, command);
        if (result instanceof ProposeResult.Accepted accepted) {
            return accepted.firstIndex();
        }
        throw new AssertionError("proposal at " + leader + " not accepted: " + result);
    }

    /** Only {@code candidate} can collect votes: everybody else's (pre-)vote requests are dropped. */
    static boolean voteRequestFromOtherThan(RaftMessage message, NodeId candidate) {
        return message instanceof RequestVote request && !request.from().equals(candidate);
    }

    static boolean appendWithEntriesFrom(RaftMessage message, NodeId sender) {
        return message instanceof AppendEntries append && append.from().equals(sender)
                && !append.entries().isEmpty();
    }

    static List<Long> termsOf(Simulation sim, NodeId id) {
        var log = sim.node(id).raft().log();
        List<Long> terms = new ArrayList<>();
        for (long i = log.firstIndex(); i <= log.lastIndex(); i++) {
            terms.add(log.term(i));
        }
        return terms;
    }
}

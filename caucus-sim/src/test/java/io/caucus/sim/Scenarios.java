package io.caucus.sim;

import io.caucus.core.NodeId;
import io.caucus.core.message.AppendEntries;
import io.caucus.core.message.RaftMessage;
import io.caucus.core.message.RequestVote;
import io.caucus.kv.state.EntryCodec;
import io.caucus.kv.state.KvEntry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Small helpers shared by the scripted scenarios. */
final class Scenarios {

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

    /** {@code SET k value}: a distinct write whose value names it. */
    record Put(String value) {
    }

    static Put put(String value) {
        return new Put(value);
    }

    /**
     * Proposes the puts at {@code at}, each as the key-value service's entries: a Register that opens a client
     * session (whose id is that entry's index, so known before proposing: the next index of {@code at}'s log) and the
     * SET in it. An accepted result names the index of the first SET; the next SETs follow two indexes apart.
     */
    static Proposal propose(Simulation sim, NodeId at, Put... puts) {
        long next = sim.node(at).core().log().lastIndex() + 1;
        List<byte[]> entries = new ArrayList<>();
        for (Put put : puts) {
            long session = next + entries.size();
            entries.add(EntryCodec.encode(new KvEntry.Register(0)));
            entries.add(EntryCodec.encode(new KvEntry.SessionCommand(0, session, 1, new KvEntry.Call(List.of(
                    "SET".getBytes(StandardCharsets.UTF_8), "k".getBytes(StandardCharsets.UTF_8),
                    put.value().getBytes(StandardCharsets.UTF_8))))));
        }
        Proposal result = sim.propose(at, entries);
        if (result.accepted()) {
            if (result.index() != next) {
                throw new AssertionError("proposed at " + next + " but appended at " + result.index());
            }
            return new Proposal(result.index() + 1, result.term(), null);
        }
        return result;
    }

    /** The value a put's entry sets; {@code null} for the Register entry before it. */
    static String valueOf(io.caucus.core.LogEntry entry) {
        return EntryCodec.decodeEntry(entry.payload()) instanceof KvEntry.SessionCommand command
                && command.body() instanceof KvEntry.Call call
                ? new String(call.argv().get(2), StandardCharsets.UTF_8) : null;
    }

    private static long nextRegisterStamp = 1;

    /**
     * A command that is one entry on its own: a Register (it needs no session), distinct from every other by its
     * stamp. For scenarios that count entries; it changes no key.
     */
    static byte[] register() {
        return EntryCodec.encode(new KvEntry.Register(nextRegisterStamp++));
    }

    /** Proposes one entry at {@code leader} and returns its index; fails if not accepted. */
    static long proposeAccepted(Simulation sim, NodeId leader, byte[] command) {
        Proposal result = sim.propose(leader, command);
        if (result.accepted()) {
            return result.index();
        }
        throw new AssertionError("proposal at " + leader + " not accepted: " + result);
    }

    /** Proposes at {@code leader} and returns the accepted index of the SET; fails if not accepted. */
    static long proposeAccepted(Simulation sim, NodeId leader, Put put) {
        Proposal result = propose(sim, leader, put);
        if (result.accepted()) {
            return result.index();
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
        var log = sim.node(id).core().log();
        List<Long> terms = new ArrayList<>();
        for (long i = log.firstIndex(); i <= log.lastIndex(); i++) {
            terms.add(log.term(i));
        }
        return terms;
    }
}

package io.caucus.chaos;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The families of fault a schedule may draw from, as named on the command line. */
enum FaultKind {
    /** SIGKILL and restart: one node, the leader, a majority, or all. */
    KILL,
    /** SIGSTOP and SIGCONT: the leader (so it wakes up deposed) or any node. */
    PAUSE,
    /** Network partitions through the proxies: isolate one, isolate the leader, majority/minority, ring,
     * bridge, one-way. */
    PARTITION,
    /** Membership changes through the admin endpoints (remove a voter or the leader, wipe it, rejoin it as a
     * learner, promote it; transfer leadership), often while a partition is in force. */
    MEMBERSHIP,
    /** A sharded cluster's slot moved to another data group (POST /slots/move), half the time during a partition;
     * the move goes on in the background while later faults strike. */
    MOVE,
    /** A sharded cluster's data group moving one of its replicas to a node that has none (POST
     * /slots/replicas/move), half the time during a partition; it goes on in the background as a slot move does. */
    REPLICA,
    /** A sharded cluster's node removed for good (POST /slots/nodes/remove), running or killed first, once a run at a
     * random time; its replicas are then drained round by round while later faults strike, and it is stopped once it
     * holds none and has left the metadata group. Scheduled, never drawn (see {@link Fault#next}). */
    REMOVE;

    /** Parses {@code kill,pause,partition} (any subset, any order); names a bad item and the valid ones. */
    static Set<FaultKind> parseList(String text) {
        Set<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
        for (String item : text.split(",")) {
            String name = item.trim();
            if (name.isEmpty()) {
                continue;
            }
            try {
                kinds.add(valueOf(name.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown fault '" + name + "' in '" + text
                        + "'; choose from kill, pause, partition, membership, move, replica, remove");
            }
        }
        if (kinds.isEmpty()) {
            throw new IllegalArgumentException("no fault named in '" + text
                    + "'; choose from kill, pause, partition, membership, move, replica, remove");
        }
        return kinds;
    }

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}

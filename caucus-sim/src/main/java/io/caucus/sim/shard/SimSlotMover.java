package io.caucus.sim.shard;

import io.caucus.core.NodeId;
import io.caucus.kv.command.Reply;
import io.caucus.kv.slots.SlotMap;
import io.caucus.kv.slots.SlotRange;
import io.caucus.kv.state.EntryCodec;
import io.caucus.kv.state.KvEntry;
import io.caucus.kv.state.KvQuery;
import io.caucus.kv.state.MoveStep;
import io.caucus.server.NotLeaderException;
import io.caucus.sim.MultiGroupSimulation;
import io.caucus.sim.NodeObserver;
import io.caucus.sim.SimNode;
import io.caucus.sim.Simulation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * caucus-kv's {@code SlotMover} in the simulator: at random times it records a migration of a random slot range
 * (around a workload key, so that ranges hold keys) from its group to another in the {@link SimSlotMap}, and carries
 * it out exactly as the real mover does: the target's {@code Import}, the source's {@code Migrate}, passes of
 * {@code MoveScan} / {@code Stage} / {@code Release} / {@code Promote} over the source's keys until the source
 * accepts the {@code Handover}, a {@code Promote} of every key its answer lists as released, the target's
 * {@code Own}, then the map's {@code finishMigration}. Each step is a
 * {@link KvEntry.Move} submitted to the node the mover believes leads the group, through the node runtime's request
 * path as the service's backend submits it; a step refused by a node that does not lead is sent on to the leader it
 * names, and a step whose outcome is unknown (an error saying so, the node crashed, no answer in time) is proposed
 * again: every step is idempotent. A step the group refuses makes the move start again from its beginning after a
 * pause, as the real mover does after a failure.
 *
 * <p>The mover "crashes" at random times: the one running is abandoned mid-move (its answers are ignored; its
 * entries already proposed may still commit, late) and a new one runs the same move from its beginning, as the next
 * metadata leader's mover does.
 *
 * <p>Callbacks from the nodes never drive the cluster directly: every follow-up is a new event.
 */
public final class SimSlotMover implements NodeObserver {

    /** What the mover did over a run. */
    public record Totals(long movesStarted, long movesCompleted, long moverCrashes, long moveRestarts, long passes,
                         long batches, long keysReleased, long handoversRefused, long stepsSent, long stepsResent) {
    }

    private final MultiGroupSimulation multi;
    private final Simulation clock;
    private final Random random;
    private final SimSlotMap map;
    private final List<String> keys;
    private final int batchKeys;
    private final long tickMicros;
    private final long stepTimeoutMicros;
    private final long meanGapMicros;
    private final long meanCrashGapMicros;
    private final Map<Long, NodeId> believedLeaders = new HashMap<>();
    /** The running mover's life; answers to an abandoned one's requests are ignored. */
    private int life;
    private SlotMap.Migration current;
    private Request inFlight;
    private boolean winding;
    private long movesStarted;
    private long movesCompleted;
    private long moverCrashes;
    private long moveRestarts;
    private long passes;
    private long batches;
    private long keysReleased;
    private long handoversRefused;
    private long stepsSent;
    private long stepsResent;

    /** One step or scan until it is answered: resent as often as needed. */
    private final class Request {
        final int life;
        final long group;
        final byte[] payload;
        final boolean read;
        final String what;
        final Consumer<Reply> then;
        int attempt;
        SimNode node;
        boolean answered;

        Request(long group, byte[] payload, boolean read, String what, Consumer<Reply> then) {
            this.life = SimSlotMover.this.life;
            this.group = group;
            this.payload = payload;
            this.read = read;
            this.what = what;
            this.then = then;
        }
    }

    /**
     * @param keys       the workload's keys: each move's range is drawn around one of their slots
     * @param batchKeys  keys per {@code MoveScan} batch (the real mover copies 128; small batches make more steps)
     * @param gapTicks   mean pause between one move's end and the next one's start
     * @param crashTicks mean time between the mover's crashes (0: it never crashes)
     */
    public SimSlotMover(MultiGroupSimulation multi, SimSlotMap map, List<String> keys, int batchKeys, long gapTicks,
                        long crashTicks) {
        this.multi = multi;
        this.clock = multi.group(1);
        this.random = clock.random();
        this.map = map;
        this.keys = List.copyOf(keys);
        this.batchKeys = batchKeys;
        this.tickMicros = clock.config().tickMicros();
        this.stepTimeoutMicros = 40 * tickMicros;
        this.meanGapMicros = gapTicks * tickMicros;
        this.meanCrashGapMicros = crashTicks * tickMicros;
        for (long group = 1; group <= multi.groupCount(); group++) {
            multi.group(group).addObserver(this);
        }
    }

    public void start() {
        clock.schedule(1 + nextGap(meanGapMicros), this::beginMove);
        if (meanCrashGapMicros > 0) {
            scheduleCrash();
        }
    }

    /** Starts no more moves and crashes no more; the move under way (if any) goes on to its end. */
    public void windDown() {
        winding = true;
    }

    /** No move under way. */
    public boolean isIdle() {
        return current == null;
    }

    /** The migration under way, or null. */
    public SlotMap.Migration current() {
        return current;
    }

    public Totals totals() {
        return new Totals(movesStarted, movesCompleted, moverCrashes, moveRestarts, passes, batches, keysReleased,
                handoversRefused, stepsSent, stepsResent);
    }

    private long nextGap(long mean) {
        return random.nextLong(2 * mean + 1);
    }

    // ---------------------------------------------------------------- choosing and finishing moves

    private void beginMove() {
        if (winding || current != null) {
            return;
        }
        SlotMap now = map.current();
        String key = keys.get(random.nextInt(keys.size()));
        int slot = SimSlotMap.slotOf(key);
        SlotMap.OwnedRange owned = now.ranges().stream().filter(r -> r.range().contains(slot)).findFirst()
                .orElseThrow();
        // Wide enough to take other keys' slots along now and then, within what the source owns.
        int spread = SlotRange.all().size() / 4;
        SlotRange range = SlotRange.of(Math.max(owned.range().start(), slot - random.nextInt(spread)),
                Math.min(owned.range().end(), slot + random.nextInt(spread)));
        List<Long> others = new ArrayList<>(now.groups());
        others.remove(owned.group());
        long target = others.get(random.nextInt(others.size()));
        map.startMigration(range, target);
        current = map.current().migrationOf(slot).orElseThrow();
        movesStarted++;
        clock.note("mover", "move", "start " + current + " (map epoch " + map.current().epoch() + ")");
        run(current);
    }

    /** Runs {@code migration} from its start, as a newly started mover does. */
    private void run(SlotMap.Migration migration) {
        life++;
        inFlight = null;
        step(migration.target(), new MoveStep.Import(migration.range(), migration.source()), imported ->
                require(migration, imported, () ->
                        step(migration.source(), new MoveStep.Migrate(migration.range(), migration.target()),
                                migrating -> require(migration, migrating, () -> pass(migration)))));
    }

    private void pass(SlotMap.Migration migration) {
        passes++;
        scanFrom(migration, 0);
    }

    private void scanFrom(SlotMap.Migration migration, long cursor) {
        read(migration.source(), new KvQuery.MoveScan(0, migration.range(), cursor, batchKeys), answer -> {
            if (!(answer instanceof Reply.Array found)) {
                restart(migration, "scan answered " + answer);
                return;
            }
            long next = ((Reply.Int) found.elements().get(0)).value();
            byte[] batch = ((Reply.Bulk) found.elements().get(1)).value();
            List<MoveStep.KeyVersion> batchKeys = MoveStep.versionsIn(batch);
            Runnable then = next != 0 ? () -> scanFrom(migration, next) : () -> handOver(migration);
            if (batchKeys.isEmpty()) {
                then.run();
            } else {
                copyBatch(migration, batch, batchKeys, then);
            }
        });
    }

    private void copyBatch(SlotMap.Migration migration, byte[] batch, List<MoveStep.KeyVersion> versions,
                           Runnable then) {
        batches++;
        step(migration.target(), new MoveStep.Stage(migration.source(), batch), staged -> require(migration, staged,
                () -> step(migration.source(), new MoveStep.Release(migration.target(), versions), answers -> {
                    if (!(answers instanceof Reply.Array perKey) || perKey.elements().size() != versions.size()) {
                        restart(migration, "release answered " + answers);
                        return;
                    }
                    List<byte[]> released = new ArrayList<>();
                    List<byte[]> dropped = new ArrayList<>();
                    for (int i = 0; i < versions.size(); i++) {
                        long answer = ((Reply.Int) perKey.elements().get(i)).value();
                        if (answer == MoveStep.RELEASED) {
                            released.add(versions.get(i).key());
                        } else if (answer == MoveStep.ABSENT) {
                            dropped.add(versions.get(i).key());
                        } else if (answer == MoveStep.NOT_MIGRATING) {
                            restart(migration, "group " + migration.source() + " no longer migrates the range");
                            return;
                        }
                    }
                    keysReleased += released.size();
                    step(migration.target(), new MoveStep.Promote(migration.source(), released, dropped),
                            promoted -> require(migration, promoted, then));
                })));
    }

    private void handOver(SlotMap.Migration migration) {
        step(migration.source(), new MoveStep.Handover(migration.range(), migration.target()), answer -> {
            if (!(answer instanceof Reply.Array releasedKeys)) {
                handoversRefused++; // a key was written during the pass: copy it too
                pass(migration);
                return;
            }
            // Every key released in this move, promoted again (skipped where done): a promote lost with an
            // abandoned mover would otherwise leave its keys staged, and Own drops what is staged.
            List<byte[]> released = releasedKeys.elements().stream().map(key -> ((Reply.Bulk) key).value()).toList();
            step(migration.target(), new MoveStep.Promote(migration.source(), released, List.of()), promoted ->
                    require(migration, promoted, () -> step(migration.target(),
                            new MoveStep.Own(migration.range(), migration.source()),
                            owned -> require(migration, owned, () -> finish(migration)))));
        });
    }

    private void finish(SlotMap.Migration migration) {
        map.finishMigration(migration.range());
        current = null;
        inFlight = null;
        movesCompleted++;
        clock.note("mover", "move", "done " + migration + " (map epoch " + map.current().epoch() + ")");
        clock.schedule(1 + nextGap(meanGapMicros), this::beginMove);
    }

    /** A step the group refused (an error reply): the real mover gives up and starts the move again later. */
    private void require(SlotMap.Migration migration, Reply answer, Runnable then) {
        if (answer instanceof Reply.Error error) {
            restart(migration, "a move step was refused: " + error.line());
            return;
        }
        then.run();
    }

    private void restart(SlotMap.Migration migration, String why) {
        moveRestarts++;
        clock.note("mover", "move", "restart " + migration + ": " + why);
        life++; // whatever is still in flight belongs to the attempt given up
        inFlight = null;
        clock.schedule(2 * tickMicros, () -> {
            if (current == migration) {
                run(migration);
            }
        });
    }

    private void scheduleCrash() {
        clock.schedule(1 + nextGap(meanCrashGapMicros), () -> {
            if (winding) {
                return;
            }
            if (current != null) {
                moverCrashes++;
                SlotMap.Migration migration = current;
                clock.note("mover", "crash", "abandoned mid-move " + migration);
                life++;
                inFlight = null;
                // The next metadata leader's mover starts after an election's worth of time.
                clock.schedule(1 + random.nextLong(20 * tickMicros), () -> {
                    if (current == migration) {
                        run(migration);
                    }
                });
            }
            scheduleCrash();
        });
    }

    // ---------------------------------------------------------------- requests to the groups' leaders

    private void step(long group, MoveStep step, Consumer<Reply> then) {
        send(new Request(group, EntryCodec.encode(new KvEntry.Move(0, step)), false, describe(step), then));
    }

    /** A step as the trace shows it: its kind, and the keys a batch names. */
    private static String describe(MoveStep step) {
        return switch (step) {
            case MoveStep.Stage stage -> "Stage " + MoveStep.versionsIn(stage.keys()).stream()
                    .map(key -> text(key.key()) + "@" + key.version()).toList();
            case MoveStep.Release release -> "Release " + release.keys().stream()
                    .map(key -> text(key.key()) + "@" + key.version()).toList();
            case MoveStep.Promote promote -> "Promote " + promote.released().stream().map(SimSlotMover::text).toList()
                    + " dropping " + promote.dropped().stream().map(SimSlotMover::text).toList();
            default -> step.toString();
        };
    }

    private static String text(byte[] key) {
        return new String(key, java.nio.charset.StandardCharsets.UTF_8);
    }

    private void read(long group, KvQuery query, Consumer<Reply> then) {
        send(new Request(group, EntryCodec.encode(query), true, "MoveScan of group " + group, then));
    }

    private void send(Request request) {
        if (request.life != life || request.answered) {
            return;
        }
        inFlight = request;
        Simulation sim = multi.group(request.group);
        NodeId target = believedLeaders.computeIfAbsent(request.group, g -> anyNode(sim));
        SimNode node = sim.node(target);
        int attempt = ++request.attempt;
        if (!node.isUp()) {
            resend(request, attempt, null);
            return;
        }
        request.node = node;
        stepsSent++;
        CompletableFuture<byte[]> answer = request.read ? node.runtime().read(request.payload)
                : node.runtime().submit(request.payload);
        clock.schedule(stepTimeoutMicros, () -> resend(request, attempt, null));
        answer.whenComplete((result, error) -> {
            if (request.life != life || request.attempt != attempt || request.answered) {
                return;
            }
            if (error != null) {
                resend(request, attempt, error instanceof NotLeaderException notLeader ? notLeader.leader() : null);
                return;
            }
            request.answered = true;
            Reply reply = EntryCodec.decodeReply(result);
            clock.note("mover", "step", request.what + " at " + node + " -> " + reply);
            clock.schedule(1, () -> {
                if (request.life == life) {
                    request.then.accept(reply);
                }
            });
        });
    }

    /**
     * The attempt {@code attempt} got no answer that counts (not the leader, outcome unknown, crashed, timed out):
     * the same step again, at the leader named or at another node. Idempotent steps make a duplicate harmless.
     */
    private void resend(Request request, int attempt, NodeId hint) {
        if (request.life != life || request.attempt != attempt || request.answered) {
            return;
        }
        request.attempt++; // this attempt's late answer and timeout no longer count
        request.node = null;
        stepsResent++;
        Simulation sim = multi.group(request.group);
        believedLeaders.put(request.group, hint != null ? hint : anyNode(sim));
        long backoff = (hint == null ? 3 : 1) * tickMicros;
        clock.schedule(1 + random.nextLong(backoff), () -> send(request));
    }

    private NodeId anyNode(Simulation sim) {
        List<NodeId> nodes = sim.nodeIds();
        return nodes.get(random.nextInt(nodes.size()));
    }

    @Override
    public void onCrashed(SimNode node) {
        Request request = inFlight;
        if (request != null && request.node == node && !request.answered) {
            int attempt = request.attempt;
            clock.schedule(1, () -> resend(request, attempt, null));
        }
    }
}

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
 * {@code Own}, then the map's {@code finishMigration} and the source's {@code Forget}. Each step is a
 * {@link KvEntry.Move} submitted to the node the mover believes leads the group, through the node runtime's request
 * path as the service's backend submits it; a step refused by a node that does not lead is sent on to the leader it
 * names, and a step whose outcome is unknown (an error saying so, the node crashed, no answer in time) is proposed
 * again: every step is idempotent. A step the group refuses makes the move start again from its beginning after a
 * pause, as the real mover does after a failure.
 *
 * <p>The mover "crashes" at random times: the one running is abandoned mid-move (its answers are ignored; its
 * entries already proposed may still commit, late) and a new one runs the same move from its beginning, as the next
 * metadata leader's mover does, in the next metadata term. Half the time the old one is only deposed, as a leader
 * paused past its lease is: it goes on with its steps beside the new one for a while, until its node notices (or a
 * group refuses a step of it), and never finishes the move in the map. Every step carries its mover's term, which
 * the groups use to fence off older movers.
 *
 * <p>Callbacks from the nodes never drive the cluster directly: every follow-up is a new event.
 */
public final class SimSlotMover implements NodeObserver {

    /** What the mover did over a run. */
    public record Totals(long movesStarted, long movesCompleted, long moverCrashes, long moversDeposed,
                         long moveRestarts, long passes, long batches, long partsStaged, long keysReleased,
                         long handoversRefused, long stepsSent, long stepsResent) {
    }

    private final MultiGroupSimulation multi;
    private final Simulation clock;
    private final Random random;
    private final SimSlotMap map;
    private final List<String> keys;
    private final int batchKeys;
    /**
     * The most a stage entry carries, much less than SlotMover's 512 KiB so that the simulator's small keys exercise
     * both paths: a scan's answer cut into parts, and a key larger than this copied in {@code StagePart}s.
     */
    static final int STAGE_BYTES = 48;
    private final long tickMicros;
    private final long stepTimeoutMicros;
    private final long meanGapMicros;
    private final long meanCrashGapMicros;
    private final Map<Long, NodeId> believedLeaders = new HashMap<>();
    /** The metadata term of the newest mover: each crash starts the next one in a new term. */
    private long term = 1;
    /** The mover that leads now, or null. */
    private Run active;
    /** Movers still running: the active one and deposed ones that have not noticed yet. */
    private final List<Run> running = new ArrayList<>();
    private SlotMap.Migration current;
    private boolean winding;
    private long moversDeposed;
    private long partsStaged;
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

    /** One mover carrying out one migration from its start: its requests' answers count while it runs. */
    private final class Run {
        final long term;
        final SlotMap.Migration migration;
        boolean stopped;
        /** A newer mover runs: this one goes on until it notices, and may not finish the move. */
        boolean deposed;
        /** A deposed mover's node is paused until then: it sends nothing, then goes on where it was. */
        long pausedUntilMicros;
        Request inFlight;

        Run(long term, SlotMap.Migration migration) {
            this.term = term;
            this.migration = migration;
        }

        void stop() {
            stopped = true;
            inFlight = null;
            running.remove(this);
        }
    }

    /** One step or scan until it is answered: resent as often as needed. */
    private final class Request {
        final Run run;
        final long group;
        final byte[] payload;
        final boolean read;
        final String what;
        final Consumer<Reply> then;
        int attempt;
        SimNode node;
        boolean answered;

        Request(Run run, long group, byte[] payload, boolean read, String what, Consumer<Reply> then) {
            this.run = run;
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
        return new Totals(movesStarted, movesCompleted, moverCrashes, moversDeposed, moveRestarts, passes, batches,
                partsStaged, keysReleased, handoversRefused, stepsSent, stepsResent);
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

    /** Runs {@code migration} from its start, as a newly started mover of the current term does. */
    private void run(SlotMap.Migration migration) {
        Run run = new Run(term, migration);
        active = run;
        running.add(run);
        step(run, migration.target(), new MoveStep.Import(migration.range(), migration.source()), imported ->
                require(run, imported, () ->
                        step(run, migration.source(), new MoveStep.Migrate(migration.range(), migration.target()),
                                migrating -> require(run, migrating, () -> pass(run)))));
    }

    private void pass(Run run) {
        passes++;
        scanFrom(run, 0);
    }

    private void scanFrom(Run run, long cursor) {
        SlotMap.Migration migration = run.migration;
        read(run, migration.source(), new KvQuery.MoveScan(0, migration.range(), cursor, batchKeys), answer -> {
            if (!(answer instanceof Reply.Array found)) {
                restart(run, "scan answered " + answer);
                return;
            }
            long next = ((Reply.Int) found.elements().get(0)).value();
            byte[] batch = ((Reply.Bulk) found.elements().get(1)).value();
            List<MoveStep.KeyVersion> batchKeys = MoveStep.versionsIn(batch);
            Runnable then = next != 0 ? () -> scanFrom(run, next) : () -> handOver(run);
            if (batchKeys.isEmpty()) {
                then.run();
            } else {
                copyParts(run, MoveStep.split(batch, STAGE_BYTES), 0, then);
            }
        });
    }

    /** Copies the parts of a scan's answer one after another, as SlotMover does, then goes on with {@code then}. */
    private void copyParts(Run run, List<byte[]> parts, int next, Runnable then) {
        if (next == parts.size()) {
            then.run();
            return;
        }
        byte[] batch = parts.get(next);
        copyBatch(run, batch, MoveStep.versionsIn(batch), () -> copyParts(run, parts, next + 1, then));
    }

    /** Stages {@code batch} in one step, or a key too large for one in parts, as SlotMover does. */
    private void stage(Run run, byte[] batch, List<MoveStep.KeyVersion> versions, Runnable then) {
        SlotMap.Migration migration = run.migration;
        if (batch.length <= STAGE_BYTES) {
            step(run, migration.target(), new MoveStep.Stage(migration.source(), batch),
                    staged -> require(run, staged, then));
            return;
        }
        stageParts(run, MoveStep.parts(migration.source(), versions.getFirst(), batch, STAGE_BYTES), 0, then);
    }

    private void stageParts(Run run, List<MoveStep.StagePart> parts, int next, Runnable then) {
        if (next == parts.size()) {
            then.run();
            return;
        }
        partsStaged++;
        step(run, run.migration.target(), parts.get(next),
                staged -> require(run, staged, () -> stageParts(run, parts, next + 1, then)));
    }

    private void copyBatch(Run run, byte[] batch, List<MoveStep.KeyVersion> versions, Runnable then) {
        SlotMap.Migration migration = run.migration;
        batches++;
        stage(run, batch, versions,
                () -> step(run, migration.source(), new MoveStep.Release(migration.target(), versions), answers -> {
                    if (!(answers instanceof Reply.Array perKey) || perKey.elements().size() != versions.size()) {
                        restart(run, "release answered " + answers);
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
                            restart(run, "group " + migration.source() + " no longer migrates the range");
                            return;
                        }
                    }
                    keysReleased += released.size();
                    step(run, migration.target(), new MoveStep.Promote(migration.source(), released, dropped),
                            promoted -> require(run, promoted, then));
                }));
    }

    private void handOver(Run run) {
        SlotMap.Migration migration = run.migration;
        step(run, migration.source(), new MoveStep.Handover(migration.range(), migration.target()), answer -> {
            if (!(answer instanceof Reply.Array releasedKeys)) {
                if (answer instanceof Reply.Error error && error.message().contains("fenced")) {
                    require(run, answer, () -> { });
                    return;
                }
                handoversRefused++; // a key was written during the pass: copy it too
                pass(run);
                return;
            }
            // Every key released in this move, promoted again (skipped where done): a promote lost with an
            // abandoned mover would otherwise leave its keys staged, and Own drops what is staged.
            List<byte[]> released = releasedKeys.elements().stream().map(key -> ((Reply.Bulk) key).value()).toList();
            step(run, migration.target(), new MoveStep.Promote(migration.source(), released, List.of()), promoted ->
                    require(run, promoted, () -> step(run, migration.target(),
                            new MoveStep.Own(migration.range(), migration.source()),
                            owned -> require(run, owned, () -> finish(run)))));
        });
    }

    private void finish(Run run) {
        SlotMap.Migration migration = run.migration;
        if (run.deposed) {
            run.stop();
            clock.note("mover", "move", "deposed mover of term " + run.term + " cannot finish " + migration
                    + " in the map");
            return; // its compare-and-set on the metadata group cannot commit: it no longer leads it
        }
        map.finishMigration(migration.range());
        current = null;
        active = null;
        // As SlotMover: the source forgets the names it released, now that the map says the move is done.
        step(run, migration.source(), new MoveStep.Forget(migration.range(), migration.target()),
                forgotten -> run.stop());
        movesCompleted++;
        clock.note("mover", "move", "done " + migration + " (map epoch " + map.current().epoch() + ")");
        clock.schedule(1 + nextGap(meanGapMicros), this::beginMove);
    }

    /** A step the group refused (an error reply): the real mover gives up and starts the move again later. */
    private void require(Run run, Reply answer, Runnable then) {
        if (answer instanceof Reply.Error error) {
            restart(run, "a move step was refused: " + error.line());
            return;
        }
        then.run();
    }

    /**
     * Gives {@code run} up (whatever it still has in flight may commit, late); the move starts again after a pause,
     * by the same leader's mover, unless this one was deposed: it stops for good.
     */
    private void restart(Run run, String why) {
        run.stop();
        if (run.deposed) {
            clock.note("mover", "move", "deposed mover of term " + run.term + " stops: " + why);
            return;
        }
        moveRestarts++;
        clock.note("mover", "move", "restart " + run.migration + ": " + why);
        clock.schedule(2 * tickMicros, () -> {
            if (current == run.migration && active == run) {
                run(run.migration);
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
                Run old = active;
                active = null;
                if (old != null && random.nextBoolean()) {
                    moversDeposed++;
                    old.deposed = true;
                    // Its node paused (that is how it lost the lead), then resumes and acts on what it had read
                    // before, until it notices that another leads.
                    long pause = 1 + random.nextLong(60 * tickMicros);
                    old.pausedUntilMicros = clock.nowMicros() + pause;
                    clock.note("mover", "crash", "deposed mid-move " + migration + " (term " + old.term
                            + "), paused for " + pause + " us, then running until its node notices");
                    clock.schedule(pause + random.nextLong(15 * tickMicros), old::stop);
                } else if (old != null) {
                    clock.note("mover", "crash", "abandoned mid-move " + migration + " (term " + old.term + ")");
                    old.stop();
                }
                term++;
                // The next metadata leader's mover starts after an election's worth of time.
                clock.schedule(1 + random.nextLong(20 * tickMicros), () -> {
                    if (current == migration && active == null) {
                        run(migration);
                    }
                });
            }
            scheduleCrash();
        });
    }

    // ---------------------------------------------------------------- requests to the groups' leaders

    private void step(Run run, long group, MoveStep step, Consumer<Reply> then) {
        send(new Request(run, group, EntryCodec.encode(new KvEntry.Move(0, step, run.term)), false,
                describe(step) + " (term " + run.term + ")", then));
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

    private void read(Run run, long group, KvQuery query, Consumer<Reply> then) {
        send(new Request(run, group, EntryCodec.encode(query), true, "MoveScan of group " + group, then));
    }

    private void send(Request request) {
        if (request.run.stopped || request.answered) {
            return;
        }
        long paused = request.run.pausedUntilMicros - clock.nowMicros();
        if (paused > 0) {
            clock.schedule(paused, () -> send(request));
            return;
        }
        request.run.inFlight = request;
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
            if (request.run.stopped || request.attempt != attempt || request.answered) {
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
                if (!request.run.stopped) {
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
        if (request.run.stopped || request.attempt != attempt || request.answered) {
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
        for (Run run : running) {
            Request request = run.inFlight;
            if (request != null && request.node == node && !request.answered) {
                int attempt = request.attempt;
                clock.schedule(1, () -> resend(request, attempt, null));
            }
        }
    }
}

package io.caucus.kv.protocol;

import io.caucus.kv.cluster.KvBackend;
import io.caucus.kv.cluster.KvRouter;
import io.caucus.kv.command.CommandSpec;
import io.caucus.kv.config.ClientLimits;
import io.caucus.kv.command.ErrorCodes;
import io.caucus.kv.command.Reply;
import io.caucus.kv.state.EntryCodec;
import io.caucus.kv.state.KvEntry;
import io.caucus.kv.state.KvQuery;
import io.caucus.kv.slots.SlotCheck;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One RESP connection. Commands are handled in arrival order and answered in that order (pipelining); all
 * state here is touched on the channel's event loop only.
 *
 * <p>Ordering rule, so a connection behaves like a sequential Redis client: writes may overlap other writes
 * (the log orders them, sequence numbers increase in submission order), reads may overlap reads, but a read
 * waits for the connection's earlier writes to finish and a write waits for its earlier reads, so a read
 * always sees the connection's own earlier writes and never a later one.
 *
 * <p>Sessions (thesis §6.3): the first write to a group opens a session there (a Register entry whose index becomes
 * the client id); every write then carries (client id, sequence), so the retries of the cluster backend apply
 * at most once, and in sequence order. When a write fails for good (any failure, or a session refusal) its
 * number leaves a hole no later write of that session could pass, so the connection waits for its writes in
 * flight and opens a new session. Replies are written as they complete and flushed together (see flushSoon).
 *
 * <p>Routing ({@link KvRouter}): in a one-group cluster every command goes to the one group. In a sharded one, a
 * command's keys must hash to one slot (else {@code CROSSSLOT}) and the command goes to the slot's group, with one
 * session per group the connection writes to; a slot another node serves is answered {@code -MOVED}, as a Redis
 * Cluster node answers, and a command inside MULTI that is refused so fails the transaction. A transaction's
 * commands must share a slot (EXEC answers {@code CROSSSLOT} otherwise and runs none), and so must the keys it
 * WATCHes and its commands' group.
 *
 * <p>Transactions: MULTI starts queueing (each command is checked for name and arity and answered QUEUED, or
 * refused and the transaction marked failed, as Redis does); EXEC sends the queue as one log entry with the
 * WATCHed keys, applied all together or, if a watched key changed, not at all. WATCH is a linearizable read
 * of the applied index: a change to the key after that index fails the EXEC.
 *
 * <p>Users ({@link ConnectionUser}, {@link Acl}): with users configured, a connection runs as no one until AUTH (or HELLO AUTH) succeeds,
 * and everything but AUTH, HELLO and QUIT is answered NOAUTH; then each command is checked against the user's
 * permissions and key patterns when it reaches the head of the queue (so an AUTH earlier in a pipeline counts) and
 * refused with NOPERM, failing the transaction if one is being queued, as Redis does. Failed attempts are counted;
 * the connection is closed after {@link ClientLimits#maxAuthFailures()} of them, and one that has not
 * authenticated within {@link ClientLimits#authTimeoutMillis()} is closed.
 */
public final class RespHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(RespHandler.class);

    /** Commands one MULTI may queue: a transaction is one log entry, and entries are bounded. */
    static final int MAX_QUEUED_COMMANDS = 10_000;
    /** Keys one connection may WATCH at once. */
    static final int MAX_WATCHED_KEYS = 10_000;

    private final KvRouter router;
    private final KvMetrics metrics;
    private final LocalCommands local;
    private final Acl acl;
    private final ClientLimits limits;
    private final ConnectionUser user;
    private final ArrayDeque<Pending> notStarted = new ArrayDeque<>();
    private final ArrayDeque<Pending> unanswered = new ArrayDeque<>();
    private ChannelHandlerContext context;
    private int runningWrites;
    private int runningReads;
    /** This connection's session in each group it has written to. */
    private final Map<Long, Session> sessions = new HashMap<>();
    /** Sessions being opened: reads wait for them, as for any write. */
    private int registering;
    private boolean quitting;
    private boolean starting;
    /** A flush is queued on the connection's loop: every reply written before it runs goes out in one send. */
    private boolean flushQueued;
    private final Runnable queuedFlush = () -> {
        flushQueued = false;
        context.flush();
    };
    /** MULTI/EXEC and WATCH. */
    private final Transaction transaction = new Transaction();
    /** READONLY: this connection's reads go to a replica here of the slot's group, whatever its role. */
    private boolean replicaReads;
    /** ASKING: the next command (or transaction) goes to the group its slot is moving to. */
    private boolean asking;

    /** A connection of an open port with the default limits. */
    public RespHandler(KvBackend backend, KvMetrics metrics) {
        this(KvRouter.single(backend), metrics, Acl.open(), ClientLimits.DEFAULTS);
    }

    public RespHandler(KvBackend backend, KvMetrics metrics, Acl acl, ClientLimits limits) {
        this(KvRouter.single(backend), metrics, acl, limits);
    }

    public RespHandler(KvRouter router, KvMetrics metrics, Acl acl, ClientLimits limits) {
        this.router = router;
        this.metrics = metrics;
        this.local = new LocalCommands(router::status);
        this.acl = acl;
        this.user = new ConnectionUser(acl, metrics);
        this.limits = limits;
    }

    /** How a command is served, decided when it reaches the head of the queue. */
    private enum Action { WRITE, READ, LOCAL, QUEUE, MULTI, EXEC, DISCARD, WATCH, UNWATCH, FORWARDED, INVALID }

    /** One command and, once known, its reply. */
    private static final class Pending {
        final Request request;
        /** Where the command goes, once placed (commands that reach a group only). */
        KvRouter.Serve serve;
        /** Sent after ASKING: a group importing its slot serves it (else it sends the client to the slot's owner). */
        boolean asking;
        /** The groups to run the command in, when it names no key and covers the node's slots. */
        List<KvRouter.Serve> spreadOver;
        boolean placed;
        /** Set on a command's part in one group, when the command runs in several ({@link KvRouter.Spread}). */
        final Pending whole;
        /** The parts' answers, on a command run in several groups. */
        SpreadAnswers answers;
        final long arrivalNanos = System.nanoTime();
        RedisMessage reply;
        String errorCode;
        boolean closeAfter;

        Pending(Request request) {
            this(request, null);
        }

        Pending(Request request, Pending whole) {
            this.request = request;
            this.whole = whole;
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.context = ctx;
        user.attach(ctx.pipeline().get(RespCommandDecoder.class));
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!user.authenticated() && limits.authTimeoutMillis() > 0) {
            ctx.executor().schedule(() -> {
                if (!user.authenticated() && ctx.channel().isActive()) {
                    metrics.limitHit("auth_timeout");
                    ctx.close();
                }
            }, limits.authTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        // Idle: nothing read or written for clientIdleTimeoutMillis. A connection waiting for a reply is not idle.
        // A follower's forwarding connection (the node user) is exempt: closing it could lose a command in flight.
        boolean forwarder = user.isForwarder();
        if (event instanceof IdleStateEvent && unanswered.isEmpty() && !quitting && !forwarder) {
            metrics.limitHit("idle");
            quitting = true;
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        try {
            if (quitting) {
                return;
            }
            Request request = message instanceof RespCommandDecoder.Command command
                    ? RequestParser.parse(command.arguments())
                    : new Request.Invalid("UNKNOWN", Reply.error("Protocol error: expected an array of bulk strings"));
            Pending pending = new Pending(request);
            unanswered.add(pending);
            notStarted.add(pending);
            if (unanswered.size() >= limits.maxPipelineCommands() && ctx.channel().config().isAutoRead()) {
                metrics.limitHit("pipeline");
                ctx.channel().config().setAutoRead(false);
            }
            startWhatCan();
            pauseReadingWhileRepliesWait();
        } finally {
            ReferenceCountUtil.release(message);
        }
    }

    /**
     * The socket has taken enough of this connection's replies again (below the write buffer's low water mark):
     * start its waiting commands and read it again, as the pipeline limit allows.
     */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            startWhatCan();
            resumeReadingIfRoom();
        }
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * A client that does not read its replies must not make the node hold them without bound (nor read more of its
     * commands to make more): while the socket's write buffer is over its high water mark, nothing more of this
     * connection is read or started.
     */
    private void pauseReadingWhileRepliesWait() {
        if (!context.channel().isWritable() && context.channel().config().isAutoRead()) {
            metrics.limitHit("slow_reader");
            context.channel().config().setAutoRead(false);
        }
    }

    private void resumeReadingIfRoom() {
        if (unanswered.size() < Math.max(1, limits.maxPipelineCommands() / 2) && !quitting
                && context.channel().isWritable() && !context.channel().config().isAutoRead()) {
            context.channel().config().setAutoRead(true);
        }
    }

    /** Reply bytes written to this connection and not yet taken by its socket. */
    private long pendingOutputBytes() {
        long beyondWritable = context.channel().bytesBeforeWritable();
        return beyondWritable == 0 ? 0 : beyondWritable + context.channel().config().getWriteBufferLowWaterMark();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A protocol violation (e.g. an oversized bulk string) leaves the stream unusable: say why, then close.
        if (cause instanceof RespCommandDecoder.LimitException limit) {
            metrics.limitHit(limit.limit);
        }
        quitting = true;
        ctx.writeAndFlush(Replies.error(ErrorCodes.ERR, "Protocol error: " + cause.getMessage()))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /** Starts queued commands in order while the ordering rule allows. Not re-entered (replies call it). */
    private void startWhatCan() {
        if (starting) {
            return;
        }
        starting = true;
        try {
            while (!notStarted.isEmpty() && context.channel().isWritable()) {
                Reply.Error refused = user.refusal(notStarted.peek().request);
                if (refused != null) {
                    refuse(notStarted.poll(), refused);
                    continue;
                }
                Pending head = notStarted.peek();
                Action action = actionFor(head.request);
                if (!head.placed) {
                    head.placed = true;
                    Reply.Error misplaced = place(head, action);
                    if (misplaced != null) {
                        refuseMisplaced(notStarted.poll(), action, misplaced);
                        continue;
                    }
                    if (head.serve == null && head.spreadOver != null) {
                        spread(notStarted.poll());
                        continue;
                    }
                }
                if (!mayStart(action, head)) {
                    break;
                }
                start(notStarted.poll(), action);
            }
        } finally {
            starting = false;
        }
    }

    /** Answers a refused command as Redis does: inside MULTI it fails the transaction; a refused EXEC aborts it. */
    private void refuse(Pending pending, Reply.Error error) {
        if (pending.request instanceof Request.Command command && command.is("EXEC")) {
            transaction.end();
            answer(pending, new Reply.Error("EXECABORT", "Transaction discarded because of: " + error.code() + " "
                    + error.message()));
            return;
        }
        transaction.failIfOpen();
        answer(pending, error);
    }

    private Action actionFor(Request request) {
        return switch (request) {
            case Request.Forwarded ignored -> Action.FORWARDED;
            case Request.Invalid ignored -> Action.INVALID;
            case Request.Command command -> switch (command.spec().kind()) {
                case TRANSACTION -> switch (command.spec().name()) {
                    case "MULTI" -> Action.MULTI;
                    case "EXEC" -> Action.EXEC;
                    case "DISCARD" -> Action.DISCARD;
                    case "WATCH" -> Action.WATCH;
                    default -> Action.UNWATCH;
                };
                case WRITE -> transaction.isOpen() ? Action.QUEUE : Action.WRITE;
                case READ -> transaction.isOpen() ? Action.QUEUE : Action.READ;
                case LOCAL -> transaction.isOpen() && !command.is("QUIT") ? Action.QUEUE : Action.LOCAL;
            };
        };
    }

    /**
     * Decides which group serves {@code pending} (setting {@link Pending#serve}); returns why none here may (CROSSSLOT,
     * MOVED, CLUSTERDOWN) instead. Commands that reach no group (local ones, those answered at once) get no group.
     */
    private Reply.Error place(Pending pending, Action action) {
        if (!(pending.request instanceof Request.Command command)) {
            return null;
        }
        boolean askingNow = asking;
        if (command.is("ASKING")) {
            asking = router.sharded();
            return null;
        }
        if ((!transaction.isOpen() && action != Action.MULTI) || action == Action.EXEC) {
            asking = false; // as in Redis: one command, or a transaction from its MULTI to its EXEC
        }
        SlotCheck.Outcome keys = switch (action) {
            case WRITE, READ, QUEUE -> keysOf(command.spec(), command.argv());
            case WATCH -> transaction.isOpen() ? null : router.sharded()
                    ? SlotCheck.slotOfKeys(command.argv().subList(1, command.argv().size())) : SlotCheck.KEYLESS;
            case EXEC -> !transaction.isOpen() || transaction.hasFailed() ? null : transaction.queuedKeys();
            default -> null;
        };
        if (keys == null || (action == Action.QUEUE && keys instanceof SlotCheck.Keyless
                && command.spec().kind() == CommandSpec.Kind.LOCAL)) {
            return null; // a local command inside MULTI goes wherever the transaction goes
        }
        long watchGroup = transaction.watchGroup();
        if (action == Action.EXEC && keys instanceof SlotCheck.Keyless && watchGroup >= 0) {
            return placeIn(pending, watchGroup, command.name());
        }
        KvRouter.Route route = switch (keys) {
            case SlotCheck.CrossSlot ignored -> new KvRouter.Refuse(SlotCheck.CROSSSLOT);
            case SlotCheck.Single single -> askingNow ? router.routeAsking(single.slot())
                    : replicaReads && action == Action.READ ? router.routeRead(single.slot())
                    : router.route(single.slot());
            case SlotCheck.Keyless ignored -> router.keyless(command.name());
        };
        if (route instanceof KvRouter.Refuse refuse) {
            return refuse.error();
        }
        if (route instanceof KvRouter.Spread spread) {
            if (action != Action.WRITE && action != Action.READ) {
                return Reply.error("'" + command.name().toLowerCase(Locale.ROOT) + "' runs in every group this node"
                        + " leads, so not inside a transaction in a sharded cluster");
            }
            pending.spreadOver = spread.groups();
            return null;
        }
        KvRouter.Serve serve = (KvRouter.Serve) route;
        if ((action == Action.EXEC || action == Action.WATCH) && watchGroup >= 0 && serve.group() != watchGroup) {
            // The watched keys' indexes are of another group's log: that group cannot compare them (departure:
            // redis-server allows any slots of one node; docs/multiraft.md).
            return SlotCheck.CROSSSLOT;
        }
        pending.serve = action == Action.QUEUE ? null : serve;
        pending.asking = askingNow;
        return null;
    }

    /**
     * Runs a command in each group of {@link Pending#spreadOver}: one part per group, each started in turn like any
     * command of the connection (sessions, ordering), in its place at the head of the queue; the command is
     * answered when every part is, with the parts' answers combined ({@link SpreadAnswers}).
     */
    private void spread(Pending command) {
        command.answers = new SpreadAnswers(command.request.name(), command.spreadOver.size());
        if (command.spreadOver.isEmpty()) {
            complete(command, command.answers.combined(), null); // no group led here: no slot, as an empty master
            return;
        }
        for (KvRouter.Serve group : command.spreadOver.reversed()) {
            Pending part = new Pending(command.request, command);
            part.serve = group;
            part.placed = true;
            notStarted.addFirst(part);
        }
    }

    /** Places a keyless transaction in the group of the keys it watches. */
    private Reply.Error placeIn(Pending pending, long group, String name) {
        KvBackend backend = router.backend(group);
        if (backend == null) {
            return router.keyless(name) instanceof KvRouter.Refuse refuse ? refuse.error() : SlotCheck.CROSSSLOT;
        }
        pending.serve = new KvRouter.Serve(group, backend);
        return null;
    }

    /** The slot of a command's keys; every command is keyless in a one-group cluster, where keys are not checked. */
    private SlotCheck.Outcome keysOf(CommandSpec spec, List<byte[]> argv) {
        return router.sharded() ? SlotCheck.slotOf(spec, argv) : SlotCheck.KEYLESS;
    }

    /**
     * Answers a command no group here may serve. Queued in MULTI, it fails the transaction (Redis flags it so on a
     * MOVED or CROSSSLOT); at EXEC, the transaction ends unrun with that error, as redis-server answers CROSSSLOT.
     */
    private void refuseMisplaced(Pending pending, Action action, Reply.Error error) {
        if (action == Action.EXEC) {
            transaction.end();
            answer(pending, error);
        } else {
            refuse(pending, error);
        }
    }

    private boolean mayStart(Action action, Pending pending) {
        return switch (action) {
            case WRITE, EXEC -> {
                if (action == Action.EXEC && (!transaction.isOpen() || transaction.hasFailed())) {
                    yield true; // answered at once: EXEC without MULTI, or EXECABORT
                }
                Session session = session(pending.serve.group());
                // A new session starts only once the previous session's writes are all answered.
                if (runningReads == 0 && runningWrites == 0 && session.clientId == 0 && !session.registering) {
                    register(pending.serve, session);
                }
                yield runningReads == 0 && session.clientId != 0;
            }
            case READ, WATCH -> runningWrites == 0 && registering == 0;
            default -> true;
        };
    }

    private Session session(long group) {
        return sessions.computeIfAbsent(group, ignored -> new Session());
    }

    /** The connection's client session in one group (thesis §6.3); client id 0 until it is open. */
    private static final class Session {
        long clientId;
        boolean registering;
        long nextSequence = 1;
    }

    private void start(Pending pending, Action action) {
        switch (action) {
            case WRITE -> startWrite(pending, new KvEntry.Call(command(pending).argv()));
            case READ -> startRead(pending, new KvQuery.Call(0, command(pending).argv(), pending.asking), false);
            case LOCAL -> answerLocal(pending, command(pending));
            case QUEUE -> queue(pending, command(pending));
            case MULTI -> {
                if (transaction.isOpen()) {
                    answer(pending, Reply.error("MULTI calls can not be nested"));
                } else {
                    transaction.begin();
                    answer(pending, Reply.OK);
                }
            }
            case EXEC -> exec(pending);
            case DISCARD -> {
                if (!transaction.isOpen()) {
                    answer(pending, Reply.error("DISCARD without MULTI"));
                } else {
                    transaction.end();
                    answer(pending, Reply.OK);
                }
            }
            case WATCH -> {
                if (transaction.isOpen()) {
                    answer(pending, Reply.error("WATCH inside MULTI is not allowed"));
                } else if (transaction.watchedKeys() + command(pending).argv().size() - 1 > MAX_WATCHED_KEYS) {
                    answer(pending, Reply.error("too many WATCHed keys (at most " + MAX_WATCHED_KEYS + ")"));
                } else {
                    startRead(pending, new KvQuery.WatchIndex(0), true);
                }
            }
            case UNWATCH -> {
                transaction.unwatch();
                answer(pending, Reply.OK);
            }
            case FORWARDED -> startForwarded(pending, (Request.Forwarded) pending.request);
            case INVALID -> {
                Reply.Error error = ((Request.Invalid) pending.request).error();
                transaction.failIfOpen(); // Redis: an unknown command or a wrong arity fails the EXEC
                answer(pending, error);
            }
        }
    }

    private static Request.Command command(Pending pending) {
        return (Request.Command) pending.request;
    }

    private void queue(Pending pending, Request.Command command) {
        if (transaction.queue(command.argv(), keysOf(command.spec(), command.argv()), MAX_QUEUED_COMMANDS)) {
            answer(pending, Reply.QUEUED);
        } else {
            answer(pending, Reply.error("too many commands in one transaction (at most " + MAX_QUEUED_COMMANDS + ")"));
        }
    }

    private void exec(Pending pending) {
        if (!transaction.isOpen()) {
            answer(pending, Reply.error("EXEC without MULTI"));
        } else if (transaction.hasFailed()) {
            transaction.end();
            answer(pending, new Reply.Error("EXECABORT", "Transaction discarded because of previous errors."));
        } else {
            startWrite(pending, transaction.exec());
        }
    }

    private void startWrite(Pending pending, KvEntry.Body body) {
        Session session = session(pending.serve.group());
        byte[] command = EntryCodec.encode(new KvEntry.SessionCommand(0, session.clientId, session.nextSequence++,
                body, pending.asking));
        runningWrites++;
        pending.serve.backend().submit(command).whenComplete((result, failure) -> onLoop(() -> {
            runningWrites--;
            completeWithResult(pending, result, failure, true);
        }));
    }

    private void register(KvRouter.Serve serve, Session session) {
        session.registering = true;
        registering++;
        serve.backend().submit(EntryCodec.encode(new KvEntry.Register(0))).whenComplete((result, failure) -> onLoop(() -> {
            session.registering = false;
            registering--;
            Reply answer = failure == null ? EntryCodec.decodeReply(result) : Replies.failure(failure, true);
            if (answer instanceof Reply.Int id) {
                session.clientId = id.value();
                session.nextSequence = 1;
                startWhatCan();
            } else {
                failHeadWrite(answer);
            }
        }));
    }

    /** Registration failed: the waiting write (or EXEC) was never proposed, so it certainly was not applied. */
    private void failHeadWrite(Reply answer) {
        Reply.Error error = answer instanceof Reply.Error e ? e : Reply.error("unexpected session registration reply");
        String code = ErrorCodes.notApplied(error.code()) ? error.code() : ErrorCodes.NOLEADER;
        Pending head = notStarted.poll(); // invariant: the head is the write that asked for the session
        if (actionFor(head.request) == Action.EXEC) {
            transaction.end();
        }
        complete(head, Replies.error(code, "could not open a client session (" + error.message()
                + "); the write was not applied"), code);
    }

    private void startRead(Pending pending, KvQuery query, boolean watch) {
        runningReads++;
        pending.serve.backend().read(EntryCodec.encode(query)).whenComplete((result, failure) -> onLoop(() -> {
            runningReads--;
            if (watch && failure == null && EntryCodec.decodeReply(result) instanceof Reply.Int index) {
                List<byte[]> argv = command(pending).argv();
                transaction.watched(pending.serve.group(), argv.subList(1, argv.size()), index.value());
                answer(pending, Reply.OK);
                return;
            }
            completeWithResult(pending, result, failure, false);
        }));
    }

    private void startForwarded(Pending pending, Request.Forwarded forwarded) {
        Reply.Error malformed = malformed(forwarded);
        if (malformed != null) {
            metrics.limitHit("malformed_forwarded");
            complete(pending, Replies.of(malformed), malformed.code());
            return;
        }
        KvBackend backend = router.backend(forwarded.group());
        if (backend == null) {
            complete(pending, Replies.error(ErrorCodes.NOTLEADER, "group " + forwarded.group()
                    + " has no replica on this node; not applied"), ErrorCodes.NOTLEADER);
            return;
        }
        CompletableFuture<byte[]> answer = forwarded.write()
                ? backend.submitHere(forwarded.payload()) : backend.readHere(forwarded.payload());
        answer.whenComplete((result, failure) -> onLoop(() -> {
            if (failure == null) {
                complete(pending, Replies.bulk(result), null);
            } else {
                Reply.Error error = Replies.failure(failure, forwarded.write());
                complete(pending, Replies.of(error), error.code());
            }
        }));
    }

    /**
     * Why a forwarded entry or read cannot be decoded, or null if it can. The leader checks what a follower (or any
     * client allowed the internal commands) hands it before proposing it, so that bytes no replica could apply never
     * enter the log, where every replica would have to skip them.
     */
    private Reply.Error malformed(Request.Forwarded forwarded) {
        if (!router.holdsKeys(forwarded.group())) {
            return null; // the slot map's changes and reads: its state machine refuses what it cannot read, alike
        }
        try {
            if (forwarded.write()) {
                EntryCodec.decodeEntry(forwarded.payload());
            } else {
                EntryCodec.decodeQuery(forwarded.payload());
            }
            return null;
        } catch (EntryCodec.MalformedException e) {
            return new Reply.Error(ErrorCodes.ERR, "malformed " + (forwarded.write() ? "entry" : "read") + " in "
                    + forwarded.name() + " (" + e.getMessage() + "); not applied");
        }
    }

    private void completeWithResult(Pending pending, byte[] result, Throwable failure, boolean write) {
        Reply answer;
        try {
            answer = failure == null ? EntryCodec.decodeReply(result) : Replies.failure(failure, write);
        } catch (EntryCodec.MalformedException e) {
            answer = new Reply.Error(write ? ErrorCodes.UNKNOWN : ErrorCodes.ERR, "unreadable result: " + e);
        }
        if (answer instanceof Reply.Error error && ErrorCodes.namesGroup(error.code())) {
            // Not applied: a refusal that names another group (a slot move). The redirect may have to confirm with
            // the metadata group that a move is still under way, so it may complete later, on another thread.
            router.redirect(error, pending.serve.group()).whenComplete((redirect, failed) -> onLoop(() ->
                    finishWithAnswer(pending, redirect != null ? redirect
                            : new Reply.Error(ErrorCodes.ERR, "cannot redirect: " + failed + "; not applied"),
                            null, write)));
            return;
        }
        finishWithAnswer(pending, answer, failure, write);
    }

    private void finishWithAnswer(Pending pending, Reply answer, Throwable failure, boolean write) {
        boolean refusedBySession = failure == null && answer instanceof Reply.Error error
                && ErrorCodes.isSessionRefusal(error.code());
        if (write && (failure != null || refusedBySession)) {
            // This write's sequence number is now a hole (or may be one) that later writes of the session
            // could never pass: the connection's next write to the group opens a new session.
            session(pending.serve.group()).clientId = 0;
        }
        answer(pending, answer);
    }

    private void answerLocal(Pending pending, Request.Command command) {
        if (command.is("QUIT")) {
            quitting = true;
            pending.closeAfter = true;
        }
        List<byte[]> argv = command.argv();
        Reply reply;
        if (command.is("AUTH")) {
            reply = user.auth(argv);
        } else if (command.is("HELLO")) {
            reply = user.hello(argv.subList(1, argv.size()));
        } else if (command.is("ACL")) {
            reply = user.acl(argv);
        } else if (command.spec().name().startsWith("CLUSTER|") && !command.spec().name().equals("CLUSTER|KEYSLOT")) {
            reply = router.cluster(argv);
        } else if ((command.is("READONLY") || command.is("READWRITE")) && router.sharded()) {
            replicaReads = command.is("READONLY");
            reply = Reply.OK;
        } else if (command.is("ASKING") && router.sharded()) {
            reply = Reply.OK; // the flag was set when the command was placed, in the connection's order
        } else {
            reply = local.answer(argv);
        }
        if (user.failures() >= limits.maxAuthFailures() && !quitting) {
            // The last failure allowed: answer it, then close, so guessing costs a connection per few tries.
            metrics.limitHit("auth_failures");
            quitting = true;
            pending.closeAfter = true;
        }
        answer(pending, reply);
    }

    private void answer(Pending pending, Reply reply) {
        complete(pending, Replies.of(reply), reply instanceof Reply.Error error ? error.code() : null);
    }

    private void complete(Pending pending, RedisMessage reply, String errorCode) {
        if (pending.whole != null) {
            SpreadAnswers answers = pending.whole.answers;
            if (answers.add(reply, errorCode)) {
                complete(pending.whole, answers.combined(), answers.errorCode());
            } else {
                startWhatCan();
            }
            return;
        }
        pending.reply = reply;
        pending.errorCode = errorCode;
        writeAnsweredInOrder();
        startWhatCan();
    }

    /** Writes every answered reply at the head of the queue, then flushes once. */
    private void writeAnsweredInOrder() {
        boolean wrote = false;
        while (!unanswered.isEmpty() && unanswered.peek().reply != null) {
            Pending pending = unanswered.poll();
            metrics.record(pending.request.name(), kind(pending.request), System.nanoTime() - pending.arrivalNanos,
                    pending.errorCode);
            context.write(pending.reply);
            wrote = true;
            if (pending.closeAfter) {
                context.flush();
                context.close();
                return;
            }
            if (pendingOutputBytes() > limits.maxClientOutputBytes()) {
                closeForUnreadReplies();
                return;
            }
        }
        if (wrote && unanswered.isEmpty()) {
            context.flush(); // nothing more to wait for: a client sending one command at a time gets it at once
        } else if (wrote) {
            flushSoon();
        }
        pauseReadingWhileRepliesWait();
        resumeReadingIfRoom();
    }

    /**
     * Flushes once the loop has run the tasks queued before this call, for a connection with more replies to come.
     * Replies complete one by one: a pipelined batch commits and applies together, but each command's future is
     * its own task on this loop, so flushing in each would cost one send per reply (on loopback each send also
     * runs the client's receive). Netty's
     * FlushConsolidationHandler does the same but flushes what is written when the channel closes, and a
     * connection closed past maxClientOutputBytes must drop the reply that took it over, as Redis does.
     */
    private void flushSoon() {
        if (!flushQueued) {
            flushQueued = true;
            context.executor().execute(queuedFlush);
        }
    }

    /** As Redis past a client-output-buffer-limit: no reply can reach a client that does not read, so just close. */
    private void closeForUnreadReplies() {
        metrics.limitHit("output");
        LOG.info("closing client connection {}: {} bytes of replies it has not read, over maxClientOutputBytes {}",
                context.channel().remoteAddress(), pendingOutputBytes(), limits.maxClientOutputBytes());
        quitting = true;
        context.close();
    }

    private static String kind(Request request) {
        return switch (request) {
            case Request.Command command -> switch (command.spec().kind()) {
                case WRITE -> "write";
                case READ -> "read";
                case LOCAL -> "local";
                case TRANSACTION -> "transaction";
            };
            case Request.Forwarded ignored -> "forwarded";
            case Request.Invalid ignored -> "invalid";
        };
    }

    private void onLoop(Runnable task) {
        if (context.executor().inEventLoop()) {
            task.run();
        } else {
            context.executor().execute(task);
        }
    }
}

package io.caucus.kv.protocol;

import io.caucus.kv.cluster.ClusterBackend;
import io.caucus.kv.cluster.KvBackend;
import io.caucus.kv.state.KvCodec;
import io.caucus.kv.state.KvCommand;
import io.caucus.kv.state.KvResult;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.IntegerRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.handler.codec.redis.SimpleStringRedisMessage;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One RESP connection. Commands are handled in arrival order and answered in that order (pipelining); all
 * state here is touched on the channel's event loop only.
 *
 * <p>Ordering rule, so a connection behaves like a sequential Redis client: writes may overlap other writes
 * (the log orders them, sequence numbers increase in submission order), reads may overlap reads, but a read
 * waits for the connection's earlier writes to finish and a write waits for its earlier reads, so a read
 * always sees the connection's own earlier writes and never a later one.
 *
 * <p>Sessions (thesis §6.3): the first write opens a session (a RegisterClient entry whose index becomes the
 * client id); every write then carries (client id, sequence), so the retries of {@link ClusterBackend} apply
 * at most once, and in sequence order. When a write fails for good (any failure, or a session refusal) its number
 * leaves a hole no later write of that session could pass, so the connection waits for its writes in flight
 * and opens a new session. Replies are written as they complete and flushed once per batch.
 */
public final class RespHandler extends ChannelInboundHandlerAdapter {

    /** Commands queued or running on one connection before it stops reading (back-pressure). */
    static final int MAX_PENDING_COMMANDS = 4096;

    private final KvBackend backend;
    private final KvMetrics metrics;
    private final ArrayDeque<Slot> notStarted = new ArrayDeque<>();
    private final ArrayDeque<Slot> unanswered = new ArrayDeque<>();
    private ChannelHandlerContext context;
    private int runningWrites;
    private int runningReads;
    private long clientId;
    private boolean registering;
    private long nextSequence = 1;
    private boolean quitting;
    private boolean starting;

    public RespHandler(KvBackend backend, KvMetrics metrics) {
        this.backend = backend;
        this.metrics = metrics;
    }

    /** One command and, once known, its reply. */
    private static final class Slot {
        final Request request;
        final long arrivalNanos = System.nanoTime();
        RedisMessage reply;
        String errorCode;
        boolean closeAfter;

        Slot(Request request) {
            this.request = request;
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.context = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        try {
            if (quitting) {
                return;
            }
            Request request = message instanceof RespCommandDecoder.Command command
                    ? RequestParser.parse(command.arguments())
                    : new Request.Invalid("UNKNOWN", ErrorCodes.ERR, "protocol error: expected an array of bulk strings");
            Slot slot = new Slot(request);
            unanswered.add(slot);
            notStarted.add(slot);
            if (unanswered.size() >= MAX_PENDING_COMMANDS) {
                ctx.channel().config().setAutoRead(false);
            }
            startWhatCan();
        } finally {
            ReferenceCountUtil.release(message);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A protocol violation (e.g. an oversized bulk string) leaves the stream unusable: say why, then close.
        ctx.writeAndFlush(Replies.error(ErrorCodes.ERR, "protocol error: " + cause.getMessage()))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /** Starts queued commands in order while the ordering rule allows. Not re-entered (replies call it). */
    private void startWhatCan() {
        if (starting) {
            return;
        }
        starting = true;
        try {
            while (!notStarted.isEmpty() && mayStart(notStarted.peek().request)) {
                start(notStarted.poll());
            }
        } finally {
            starting = false;
        }
    }

    private boolean mayStart(Request request) {
        return switch (request) {
            case Request.Write ignored -> {
                // A new session starts only once the previous session's writes are all answered.
                if (runningReads == 0 && runningWrites == 0 && clientId == 0 && !registering) {
                    register();
                }
                yield runningReads == 0 && clientId != 0;
            }
            case Request.Read ignored -> runningWrites == 0 && !registering;
            case Request.Local ignored -> true;
            case Request.Forwarded ignored -> true;
            case Request.Invalid ignored -> true;
        };
    }

    private void start(Slot slot) {
        switch (slot.request) {
            case Request.Write write -> startWrite(slot, write);
            case Request.Read read -> startRead(slot, read);
            case Request.Local local -> answerLocal(slot, local);
            case Request.Forwarded forwarded -> startForwarded(slot, forwarded);
            case Request.Invalid invalid -> complete(slot, Replies.error(invalid.code(), invalid.message()),
                    invalid.code());
        }
    }

    private void startWrite(Slot slot, Request.Write write) {
        byte[] command = KvCodec.encode(new KvCommand.SessionWrite(clientId, nextSequence++, write.write()));
        runningWrites++;
        backend.submit(command).whenComplete((result, failure) -> onLoop(() -> {
            runningWrites--;
            completeWithResult(slot, result, failure, true);
        }));
    }

    private void register() {
        registering = true;
        backend.submit(KvCodec.encode(new KvCommand.RegisterClient())).whenComplete((result, failure) -> onLoop(() -> {
            registering = false;
            KvResult answer = failure == null ? KvCodec.decodeResult(result) : Replies.failure(failure, true);
            if (answer instanceof KvResult.Int id) {
                clientId = id.value();
                nextSequence = 1;
                startWhatCan();
            } else {
                failHeadWrite(answer);
            }
        }));
    }

    /** Registration failed: the waiting write was never proposed, so it certainly was not applied. */
    private void failHeadWrite(KvResult answer) {
        KvResult.Error error = answer instanceof KvResult.Error e ? e
                : new KvResult.Error(ErrorCodes.ERR, "unexpected session registration reply");
        String code = ErrorCodes.notApplied(error.code()) ? error.code() : ErrorCodes.NOLEADER;
        Slot head = notStarted.poll(); // invariant: the head is the write that asked for the session
        complete(head, Replies.error(code, "could not open a client session (" + error.message()
                + "); the write was not applied"), code);
    }

    private void startRead(Slot slot, Request.Read read) {
        runningReads++;
        backend.read(KvCodec.encode(read.query())).whenComplete((result, failure) -> onLoop(() -> {
            runningReads--;
            completeWithResult(slot, result, failure, false);
        }));
    }

    private void startForwarded(Slot slot, Request.Forwarded forwarded) {
        CompletableFuture<byte[]> answer = forwarded.write()
                ? backend.submitHere(forwarded.payload()) : backend.readHere(forwarded.payload());
        answer.whenComplete((result, failure) -> onLoop(() -> {
            if (failure == null) {
                complete(slot, Replies.bulk(result), null);
            } else {
                KvResult.Error error = Replies.failure(failure, forwarded.write());
                complete(slot, Replies.of(error), error.code());
            }
        }));
    }

    private void completeWithResult(Slot slot, byte[] result, Throwable failure, boolean write) {
        KvResult answer;
        try {
            answer = failure == null ? KvCodec.decodeResult(result) : Replies.failure(failure, write);
        } catch (KvCodec.MalformedException e) {
            answer = new KvResult.Error(write ? ErrorCodes.UNKNOWN : ErrorCodes.ERR, "unreadable result: " + e);
        }
        boolean refusedByStateMachine = failure == null && answer instanceof KvResult.Error error
                && !error.code().equals(ErrorCodes.ERR); // ERR results (not an integer...) use their number
        if (write && (failure != null || refusedByStateMachine)) {
            // This write's sequence number is now a hole (or may be one) that later writes of the session
            // could never pass: the connection's next write opens a new session.
            clientId = 0;
        }
        complete(slot, Replies.of(answer), answer instanceof KvResult.Error error ? error.code() : null);
    }

    private void answerLocal(Slot slot, Request.Local local) {
        RedisMessage reply = switch (local.command()) {
            case Request.LocalCommand.Ping ping -> ping.message() == null
                    ? new SimpleStringRedisMessage("PONG") : Replies.bulk(ping.message());
            case Request.LocalCommand.Echo echo -> Replies.bulk(echo.message());
            case Request.LocalCommand.Info info -> Replies.bulk(
                    InfoText.render(info.section(), backend.status()).getBytes(StandardCharsets.UTF_8));
            case Request.LocalCommand.CommandInfo info -> info.subcommand().equals("COUNT")
                    ? new IntegerRedisMessage(0) : new ArrayRedisMessage(List.of());
            case Request.LocalCommand.ConfigGet config -> configReply(config);
            case Request.LocalCommand.Harmless harmless -> Replies.of(harmless.reply());
            case Request.LocalCommand.Quit ignored -> {
                quitting = true;
                slot.closeAfter = true;
                yield Replies.OK;
            }
        };
        complete(slot, reply, null);
    }

    /** CONFIG GET answers each requested name with an empty value: clients that probe settings carry on. */
    private static RedisMessage configReply(Request.LocalCommand.ConfigGet config) {
        List<RedisMessage> pairs = new ArrayList<>();
        for (String parameter : config.parameters()) {
            if (!parameter.contains("*")) {
                pairs.add(Replies.bulk(parameter.getBytes(StandardCharsets.UTF_8)));
                pairs.add(Replies.bulk(new byte[0]));
            }
        }
        return new ArrayRedisMessage(pairs);
    }

    private void complete(Slot slot, RedisMessage reply, String errorCode) {
        slot.reply = reply;
        slot.errorCode = errorCode;
        writeAnsweredInOrder();
        startWhatCan();
    }

    /** Writes every answered reply at the head of the queue, then flushes once. */
    private void writeAnsweredInOrder() {
        boolean wrote = false;
        while (!unanswered.isEmpty() && unanswered.peek().reply != null) {
            Slot slot = unanswered.poll();
            metrics.record(slot.request.name(), kind(slot.request), System.nanoTime() - slot.arrivalNanos,
                    slot.errorCode);
            context.write(slot.reply);
            wrote = true;
            if (slot.closeAfter) {
                context.flush();
                context.close();
                return;
            }
        }
        if (wrote) {
            context.flush();
        }
        if (unanswered.size() < MAX_PENDING_COMMANDS / 2 && !context.channel().config().isAutoRead()) {
            context.channel().config().setAutoRead(true);
        }
    }

    private static String kind(Request request) {
        return switch (request) {
            case Request.Write ignored -> "write";
            case Request.Read ignored -> "read";
            case Request.Local ignored -> "local";
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

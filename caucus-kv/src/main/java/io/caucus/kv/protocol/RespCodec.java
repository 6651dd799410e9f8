package io.caucus.kv.protocol;

import io.caucus.kv.config.ClientLimits;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.redis.RedisArrayAggregator;
import io.netty.handler.codec.redis.RedisBulkStringAggregator;
import io.netty.handler.codec.redis.RedisDecoder;
import io.netty.handler.codec.redis.RedisEncoder;

/** The RESP2 codec handlers of a pipeline, with limits: every array and nesting depth is bounded. */
public final class RespCodec {

    /** Most elements in one array of a reply the forwarder reads from a leader. */
    static final int MAX_ARRAY_ELEMENTS = 1 << 20;
    /** Commands are flat arrays; replies nest at most once (MGET inside nothing). */
    static final int MAX_ARRAY_DEPTH = 4;

    private RespCodec() {
    }

    /**
     * The server side of a client connection: requests decoded straight into their arguments
     * ({@link RespCommandDecoder}, inline commands included so telnet-style "PING\r\n" works), replies encoded
     * from {@link io.netty.handler.codec.redis.RedisMessage}s.
     */
    public static void addServerTo(ChannelPipeline pipeline) {
        addServerTo(pipeline, ClientLimits.DEFAULTS);
    }

    /** As {@link #addServerTo(ChannelPipeline)}, refusing requests beyond {@code limits} at their headers. */
    public static void addServerTo(ChannelPipeline pipeline, ClientLimits limits) {
        pipeline.addLast(new RespCommandDecoder(limits), new RedisEncoder());
    }

    /** The client side (a follower forwarding to the leader): any reply decoded and aggregated. */
    public static void addClientTo(ChannelPipeline pipeline) {
        pipeline.addLast(new RedisDecoder(false), new RedisBulkStringAggregator(),
                new RedisArrayAggregator(MAX_ARRAY_ELEMENTS, MAX_ARRAY_DEPTH), new RedisEncoder());
    }
}

package io.caucus.bench.peers.sofajraft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.RaftGroupService;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.closure.ReadIndexClosure;
import com.alipay.sofa.jraft.entity.Task;
import com.alipay.sofa.jraft.rpc.RpcContext;
import com.alipay.sofa.jraft.rpc.RpcProcessor;
import com.alipay.sofa.jraft.rpc.RpcServer;
import com.alipay.sofa.jraft.util.BytesUtil;
import java.io.Serializable;
import java.nio.ByteBuffer;

/**
 * The benchmark's client requests and the server side that answers them. The requests travel as plain
 * serializable objects, which SOFAJRaft's RPC layer (SOFABolt) encodes with Hessian, as in SOFAJRaft's
 * examples. A node that is not the leader answers {@code ok=false}; the client then asks the route table
 * for the leader again.
 */
final class Requests {

    private Requests() {
    }

    /** Put {@code value} under {@code key}. */
    public static final class Write implements Serializable {
        private static final long serialVersionUID = 1L;
        public byte[] key;
        public byte[] value;
    }

    /** Linearizable get of {@code key}. */
    public static final class Read implements Serializable {
        private static final long serialVersionUID = 1L;
        public byte[] key;
    }

    /** The answer to either: {@code value} for a read (null when absent), {@code error} when not ok. */
    public static final class Reply implements Serializable {
        private static final long serialVersionUID = 1L;
        public boolean ok;
        public String error;
        public byte[] value;

        static Reply of(Status status, byte[] value) {
            Reply reply = new Reply();
            reply.ok = status.isOk();
            reply.error = status.isOk() ? null : status.toString();
            reply.value = value;
            return reply;
        }
    }

    static void register(RpcServer server, RaftGroupService service, MapStateMachine map) {
        server.registerProcessor(new RpcProcessor<Write>() {
            @Override
            public void handleRequest(RpcContext context, Write write) {
                ByteBuffer entry = ByteBuffer.allocate(write.key.length + write.value.length);
                entry.put(write.key).put(write.value).flip();
                // Node.apply answers through the closure once the entry is committed and applied, or failed
                // (e.g. this node is not the leader: §5.1, only the leader appends client entries).
                service.getRaftNode().apply(new Task(entry, status -> context.sendResponse(Reply.of(status, null))));
            }

            @Override
            public String interest() {
                return Write.class.getName();
            }
        });
        server.registerProcessor(new RpcProcessor<Read>() {
            @Override
            public void handleRequest(RpcContext context, Read read) {
                Node node = service.getRaftNode();
                node.readIndex(BytesUtil.EMPTY_BYTES, new ReadIndexClosure() {
                    @Override
                    public void run(Status status, long index, byte[] requestContext) {
                        context.sendResponse(Reply.of(status, status.isOk() ? map.get(read.key) : null));
                    }
                });
            }

            @Override
            public String interest() {
                return Read.class.getName();
            }
        });
    }
}

package io.caucus.bench.peers.sofajraft;

import com.alipay.sofa.jraft.Closure;
import com.alipay.sofa.jraft.Iterator;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.core.StateMachineAdapter;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The replicated map: a log entry is the 8-byte key followed by the value. SOFAJRaft applies committed entries
 * on its FSM caller thread; reads run on the RPC threads after their ReadIndex, hence the concurrent map.
 */
final class MapStateMachine extends StateMachineAdapter {

    static final int KEY_BYTES = 8;

    private final Map<ByteBuffer, byte[]> entries = new ConcurrentHashMap<>();

    @Override
    public void onApply(Iterator iterator) {
        while (iterator.hasNext()) {
            ByteBuffer write = iterator.getData();
            Closure done = iterator.done();
            if (write.remaining() < KEY_BYTES) {
                if (done != null) {
                    done.run(new Status(-1, "a write is an 8-byte key and a value, got %d bytes", write.remaining()));
                }
            } else {
                byte[] key = new byte[KEY_BYTES];
                byte[] value = new byte[write.remaining() - KEY_BYTES];
                write.get(key).get(value);
                entries.put(ByteBuffer.wrap(key), value);
                if (done != null) {
                    done.run(Status.OK());
                }
            }
            iterator.next();
        }
    }

    /** The value under {@code key}, or null; call only after a ReadIndex has been applied. */
    byte[] get(byte[] key) {
        return entries.get(ByteBuffer.wrap(key));
    }
}

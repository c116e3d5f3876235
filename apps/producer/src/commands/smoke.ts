import kafka from '@confluentinc/kafka-javascript';
import { baseClientConfig, baseConsumerConfig, type ConnectionConfig } from '@candlestream/kafka';
import { Decimal, type Trade } from '@candlestream/market';
import { initPipeline, pipelineRegistry, tradeSerde, TRADES_TOPIC } from '@candlestream/pipeline';

const { KafkaConsumer, Producer } = kafka;

/**
 * End-to-end check of the stack: produce one Avro trade with an idempotent producer and read it back
 * with a read_committed consumer, printing both.
 */
export async function smokeCommand(conn: ConnectionConfig): Promise<void> {
  await initPipeline(conn);
  const serde = await tradeSerde(pipelineRegistry(conn.registryUrl), TRADES_TOPIC);
  const now = Date.now();
  const trade: Trade = {
    exchange: 'BINANCE', symbol: 'BTCUSDT', pair: 'BTC-USDT', tradeId: now, price: Decimal.parse('4261.48'),
    quantity: Decimal.parse('0.075575'), tradeTime: now, buyerIsMaker: false, receivedTime: now,
  };
  const producer = new Producer({ ...baseClientConfig(conn, 'smoke'), 'enable.idempotence': true, acks: -1, dr_cb: true });
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  producer.setPollInterval(10);
  const offset = await new Promise<number>((resolve, reject) => {
    producer.on('delivery-report', (err, report) => (err ? reject(err) : resolve(report.offset)));
    producer.produce(TRADES_TOPIC, 0, serde.serialize(trade), 'BINANCE:BTCUSDT', now);
  });
  await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  console.log(`produced trade ${trade.tradeId} to ${TRADES_TOPIC}[0]@${offset} (schema id ${serde.schemaId})`);

  const consumer = new KafkaConsumer({ ...baseConsumerConfig(conn, 'smoke'), 'group.id': `smoke-${now}`, 'isolation.level': 'read_committed', 'enable.auto.commit': false }, {});
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  consumer.assign([{ topic: TRADES_TOPIC, partition: 0, offset }]);
  const deadline = Date.now() + 10_000;
  try {
    for (;;) {
      if (Date.now() > deadline) throw new Error('smoke: the produced trade was not read back within 10 s');
      const msgs = await new Promise<kafka.Message[]>((resolve, reject) => consumer.consume(1, (err, m) => (err ? reject(err) : resolve(m))));
      const m = msgs[0];
      if (!m?.value) continue;
      const back = serde.deserialize(m.value);
      console.log(`consumed ${back.exchange}:${back.symbol} #${back.tradeId} price=${back.price.toString()} qty=${back.quantity.toString()}`);
      if (!back.price.equals(trade.price) || !back.quantity.equals(trade.quantity)) throw new Error('smoke: decimals changed on the way');
      return;
    }
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

// Copies topic A to topic B with kafkajs's transactional producer and sendOffsets (consume-transform-
// produce), aborting every third transaction and redoing it, then reads B with a read_committed consumer.
// Prints one JSON document on stdout: what B holds and the group's committed offsets after each step.
// Usage: node kafkajs-transactions.js <host:port> <input topic> <output topic> <records> <perTxn>
'use strict'
const { Kafka, logLevel } = require('kafkajs')

async function main() {
  const [broker, input, output, recordsText, perTxnText] = process.argv.slice(2)
  const records = Number(recordsText)
  const perTxn = Number(perTxnText)
  const groupId = `${input}-copier`
  const kafka = new Kafka({ clientId: 'interop-kafkajs-txn', brokers: [broker], logLevel: logLevel.ERROR, retry: { retries: 5 } })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: input, numPartitions: 1 }, { topic: output, numPartitions: 2 }], waitForLeaders: true })

  const plain = kafka.producer()
  await plain.connect()
  const inputs = []
  for (let i = 0; i < records; i++) inputs.push({ key: `k-${i}`, value: `v-${i}` })
  await plain.send({ topic: input, acks: -1, messages: inputs })
  await plain.disconnect()

  const producer = kafka.producer({ transactionalId: `${input}-txn`, maxInFlightRequests: 1, idempotent: true, transactionTimeout: 30000 })
  await producer.connect()
  const committed = []
  let txns = 0
  for (let start = 0; start < records; start += perTxn) {
    const end = Math.min(records, start + perTxn)
    const batch = inputs.slice(start, end).map((m, j) => ({ key: m.key, value: m.value.toUpperCase(), partition: (start + j) % 2 }))
    if (txns % 3 === 1) {
      // A transaction that aborts: none of it may reach B, and the offsets must not move.
      const aborted = await producer.transaction()
      await aborted.send({ topic: output, acks: -1, messages: batch.map(m => ({ ...m, value: 'ABORTED-' + m.value })) })
      await aborted.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: 0, offset: String(end) }] }] })
      await aborted.abort()
      committed.push({ after: 'abort', offsets: await admin.fetchOffsets({ groupId, topics: [input] }) })
    }
    const transaction = await producer.transaction()
    await transaction.send({ topic: output, acks: -1, messages: batch })
    await transaction.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: 0, offset: String(end) }] }] })
    await transaction.commit()
    committed.push({ after: 'commit', end, offsets: await admin.fetchOffsets({ groupId, topics: [input] }) })
    txns++
  }
  await producer.disconnect()

  const consumer = kafka.consumer({ groupId: `${output}-reader`, readUncommitted: false, maxWaitTimeInMs: 200 })
  await consumer.connect()
  await consumer.subscribe({ topic: output, fromBeginning: true })
  const received = []
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(), 15000)
    consumer.run({
      eachMessage: async ({ partition, message }) => {
        received.push({ partition, offset: message.offset, key: message.key.toString(), value: message.value.toString() })
        if (received.length >= records) { clearTimeout(timer); setTimeout(resolve, 500) }
      },
    }).catch(reject)
  })
  await consumer.disconnect()
  await admin.disconnect()
  process.stdout.write(JSON.stringify({ received, committed }))
}

main().catch(e => { process.stderr.write(String(e && e.stack || e)); process.exit(1) })

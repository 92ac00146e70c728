// The kafkajs half of the exactly-once test: a consume-transform-produce loop that copies every record
// of the input topic to the same partition of the output topic, a few hundred records per transaction
// together with their consumed offsets (transaction.sendOffsets), and runs until it is killed.
// Any error exits the process (code 3) instead of being handled: the test restarts the copier, and the
// new incarnation's InitProducerId (same transactionalId) fences the old one and aborts its open
// transaction, while the consumer resumes from the offsets the last committed transaction stored.
// Prints "begin <partition>" when a transaction starts and "committed <partition> <next offset>" after
// its commit, so the test can aim its kills at open transactions.
// Usage: node kafkajs-eos-copier.js <host:port[,host:port...]> <input topic> <output topic> <group id> <transactional id>
'use strict'
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
const { Kafka, logLevel } = require('kafkajs')

function fail(why, error) {
  process.stderr.write(`${why}: ${(error && error.stack) || error}\n`)
  process.exit(3)
}

async function main() {
  const [broker, input, output, groupId, transactionalId] = process.argv.slice(2)
  const perTransaction = 200
  const perSend = 50
  const retry = { initialRetryTime: 100, maxRetryTime: 1000, retries: 30 }
  const kafka = new Kafka({ clientId: 'eos-copier', brokers: broker.split(','), logLevel: logLevel.NOTHING, connectionTimeout: 3000, retry })
  const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 30000, retry })
  // A short session: a killed copier's membership must lapse quickly for its successor to get the partitions.
  const consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    sessionTimeout: 3000,
    rebalanceTimeout: 6000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 100,
    retry,
  })
  consumer.on(consumer.events.CRASH, event => fail('consumer crashed', event.payload.error))

  await producer.connect()
  await consumer.connect()
  await consumer.subscribe({ topic: input, fromBeginning: true })
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      // Many short transactions, each written in several produce requests, so a kill is likely to find
      // one open with part of its output already in the log.
      for (let start = 0; start < batch.messages.length; start += perTransaction) {
        const messages = batch.messages.slice(start, start + perTransaction)
        const next = String(BigInt(messages[messages.length - 1].offset) + 1n)
        try {
          const transaction = await producer.transaction()
          process.stdout.write(`begin ${batch.partition}\n`)
          for (let i = 0; i < messages.length; i += perSend) {
            await transaction.send({
              topic: output,
              acks: -1,
              messages: messages.slice(i, i + perSend).map(m => ({ partition: batch.partition, value: `copy:${m.value.toString()}` })),
            })
          }
          await transaction.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: batch.partition, offset: next }] }] })
          await transaction.commit()
        } catch (e) {
          fail('transaction failed', e)
        }
        for (const m of messages) resolveOffset(m.offset)
        process.stdout.write(`committed ${batch.partition} ${next}\n`)
        await heartbeat()
      }
    },
  })
}

main().catch(e => fail('copier failed', e))

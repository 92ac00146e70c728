// Produces <count> records with kafkajs's idempotent producer (acks=all) while a test kills brokers, and
// prints one line per record: "ack <partition> <n>" once the cluster acknowledged it, "fail <n> <error>" if
// the send failed after all retries. Values are the numbers n, keys k<n>; each send goes to one partition, in
// turn: kafkajs 2.2.4 drops a partition's messages from a send without an error when that partition's leader
// moves, during the send's retries, to a broker that already answered for the send's other partitions
// (sendMessages skips brokers with a response), which would be counted as acknowledged and lost.
// Usage: node kafkajs-chaos-produce.js <host:port,...> <topic> <partitions> <count> <perSend> <pauseMs>
'use strict'
const { Kafka, logLevel } = require('kafkajs')

async function main() {
  const [brokers, topic, partitionsText, countText, perSendText, pauseText] = process.argv.slice(2)
  const partitions = Number(partitionsText)
  const count = Number(countText)
  const perSend = Number(perSendText)
  const pauseMs = Number(pauseText)
  const retry = { retries: 50, initialRetryTime: 100, maxRetryTime: 1000 }
  const kafka = new Kafka({
    clientId: 'interop-kafkajs-chaos', brokers: brokers.split(','), logLevel: logLevel.NOTHING,
    connectionTimeout: 1000, requestTimeout: 5000, retry,
  })
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry })
  await producer.connect()
  for (let first = 0, send = 0; first < count; first += perSend, send++) {
    const partition = send % partitions
    const numbers = []
    for (let n = first; n < Math.min(count, first + perSend); n++) numbers.push(n)
    try {
      await producer.send({ topic, acks: -1, messages: numbers.map(n => ({ key: `k${n}`, value: `${n}`, partition })) })
      process.stdout.write(numbers.map(n => `ack ${partition} ${n}\n`).join(''))
    } catch (e) {
      // The error and, after kafkajs's retries, the last one they met (a broker's error code by its name).
      const cause = e.originalError ? ` (${e.originalError.type || e.originalError.name})` : ''
      process.stdout.write(numbers.map(n => `fail ${n} ${e.type || e.name}${cause}\n`).join(''))
    }
    // Paced, so the run spans several leader kills.
    await new Promise(resolve => setTimeout(resolve, pauseMs))
  }
  await producer.disconnect()
}

main().then(() => process.exit(0), e => { console.error(e); process.exit(1) })

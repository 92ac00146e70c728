// Produces <count> records with kafkajs's idempotent producer (acks=all) while a test kills brokers, and
// prints one line per record: "ack <partition> <n>" once the cluster acknowledged it, "fail <n> <error>" if
// the send failed after all retries. Values are the numbers n, keys k<n>, partition n % <partitions>.
// Usage: node kafkajs-chaos-produce.js <host:port,...> <topic> <partitions> <count> <perSend>
'use strict'
const { Kafka, logLevel } = require('kafkajs')

async function main() {
  const [brokers, topic, partitionsText, countText, perSendText] = process.argv.slice(2)
  const partitions = Number(partitionsText)
  const count = Number(countText)
  const perSend = Number(perSendText)
  const retry = { retries: 50, initialRetryTime: 100, maxRetryTime: 1000 }
  const kafka = new Kafka({
    clientId: 'interop-kafkajs-chaos', brokers: brokers.split(','), logLevel: logLevel.NOTHING,
    connectionTimeout: 1000, requestTimeout: 5000, retry,
  })
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry })
  await producer.connect()
  for (let first = 0; first < count; first += perSend) {
    const numbers = []
    for (let n = first; n < Math.min(count, first + perSend); n++) numbers.push(n)
    try {
      await producer.send({ topic, acks: -1, messages: numbers.map(n => ({ key: `k${n}`, value: `${n}`, partition: n % partitions })) })
      process.stdout.write(numbers.map(n => `ack ${n % partitions} ${n}\n`).join(''))
    } catch (e) {
      process.stdout.write(numbers.map(n => `fail ${n} ${e.type || e.name}\n`).join(''))
    }
  }
  await producer.disconnect()
}

main().then(() => process.exit(0), e => { console.error(e); process.exit(1) })

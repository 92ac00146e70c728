// Drives kafkajs's idempotent producer against a broker, then replays one of its batches by hand (the
// same producer id, epoch and sequence, as a retry after a lost response) and reads everything back.
// Prints one JSON document on stdout.
// Usage: node kafkajs-idempotent.js <host:port> <topic> <sends> <perSend>
'use strict'
const { Kafka, logLevel } = require('kafkajs')

async function main() {
  const [broker, topic, sendsText, perSendText] = process.argv.slice(2)
  const sends = Number(sendsText)
  const perSend = Number(perSendText)
  const kafka = new Kafka({ clientId: 'interop-kafkajs-idempotent', brokers: [broker], logLevel: logLevel.ERROR, retry: { retries: 2 } })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })

  // kafkajs's idempotent producer: InitProducerId, then sequence numbers per partition (one request in flight).
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const sent = []
  for (let s = 0; s < sends; s++) {
    const messages = []
    for (let i = 0; i < perSend; i++) {
      const n = s * perSend + i
      messages.push({ key: `k-${n}`, value: `v-${n}`, partition: n % 2 })
    }
    sent.push(...(await producer.send({ topic, acks: -1, messages })))
  }
  await producer.disconnect()

  // A retry by hand through kafkajs's own protocol code: the first response is "lost", the batch is sent again.
  const createCluster = Object.getOwnPropertySymbols(kafka).find(s => s.description === 'private:Kafka:createCluster')
  const cluster = kafka[createCluster]({})
  await cluster.connect()
  await cluster.addTargetTopic(topic)
  const [leaderId] = Object.keys(cluster.findLeaderForPartitions(topic, [0]))
  const leader = await cluster.findBroker({ nodeId: leaderId })
  const { producerId, producerEpoch } = await leader.initProducerId({ transactionTimeout: 30000 })
  const retried = []
  for (let attempt = 0; attempt < 2; attempt++) {
    const response = await leader.produce({
      producerId,
      producerEpoch,
      acks: -1,
      topicData: [{ topic, partitions: [{ partition: 0, firstSequence: 0, messages: [{ key: 'retry', value: 'once' }] }] }],
    })
    const partition = response.topics[0].partitions[0]
    retried.push({ errorCode: partition.errorCode, baseOffset: String(partition.baseOffset) })
  }

  const received = []
  for (const partition of [0, 1]) {
    const [id] = Object.keys(cluster.findLeaderForPartitions(topic, [partition]))
    const partitionLeader = await cluster.findBroker({ nodeId: id })
    let offset = 0
    for (let attempt = 0; attempt < 100; attempt++) {
      const response = await partitionLeader.fetch({
        maxWaitTime: 100,
        topics: [{ topic, partitions: [{ partition, fetchOffset: String(offset), maxBytes: 1048576 }] }],
      })
      const messages = response.responses[0].partitions[0].messages
      if (messages.length === 0) break
      for (const m of messages) {
        received.push({ partition, offset: Number(m.offset), key: m.key.toString(), value: m.value.toString() })
        offset = Number(m.offset) + 1
      }
    }
  }
  await cluster.disconnect()
  await admin.disconnect()
  console.log(JSON.stringify({ producerId: String(producerId), sent, retried, received }))
}

main().catch(e => {
  console.error(e)
  process.exit(1)
})

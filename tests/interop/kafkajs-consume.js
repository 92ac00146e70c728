// Reads what another client produced, with kafkajs's own Fetch (no consumer group), and prints the
// records as one JSON array on stdout. Usage: node kafkajs-consume.js <host:port> <topic> <partitions> <count>
'use strict'
const { Kafka, logLevel } = require('kafkajs')

async function main() {
  const [broker, topic, partitionsText, countText] = process.argv.slice(2)
  const partitions = Number(partitionsText)
  const count = Number(countText)
  const kafka = new Kafka({ clientId: 'interop-kafkajs-consume', brokers: [broker], logLevel: logLevel.ERROR, retry: { retries: 2 } })
  const createCluster = Object.getOwnPropertySymbols(kafka).find(s => s.description === 'private:Kafka:createCluster')
  const cluster = kafka[createCluster]({})
  await cluster.connect()
  await cluster.addTargetTopic(topic)
  const received = []
  for (let partition = 0; partition < partitions; partition++) {
    const [leaderId] = Object.keys(cluster.findLeaderForPartitions(topic, [partition]))
    const leader = await cluster.findBroker({ nodeId: leaderId })
    let offset = 0
    for (let attempt = 0; attempt < 50 && received.length < count; attempt++) {
      const response = await leader.fetch({
        maxWaitTime: 100,
        topics: [{ topic, partitions: [{ partition, fetchOffset: String(offset), maxBytes: 1048576 }] }],
      })
      const messages = response.responses[0].partitions[0].messages
      if (messages.length === 0) break
      for (const m of messages) {
        received.push({ partition, offset: Number(m.offset), key: m.key ? m.key.toString() : null, value: m.value.toString() })
        offset = Number(m.offset) + 1
      }
    }
  }
  await cluster.disconnect()
  console.log(JSON.stringify(received))
}

main().catch(e => {
  console.error(e)
  process.exit(1)
})

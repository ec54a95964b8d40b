// Prints api-smart-diff's changes between two OpenAPI documents as JSON:
// [{action, path, type, description}], `type` being its own class
// (breaking, non-breaking, annotation, deprecated, unclassified).
import { readFileSync } from 'node:fs'
import { apiCompare } from 'api-smart-diff'

const [before, after] = process.argv.slice(2).map((path) => JSON.parse(readFileSync(path, 'utf8')))
const { diffs } = apiCompare(before, after)
const changes = diffs.map(({ action, path, type, description }) => ({ action, path: path.map(String), type, description: description ?? null }))
process.stdout.write(JSON.stringify(changes))

import { describe, expect, it } from '@jest/globals'
import { getInputs } from '../src/inputs.js'

const reader = (values: Record<string, string>) => (name: string) => values[name] ?? ''

describe('getInputs', () => {
  it('gives the defaults a Capacitor project needs', () => {
    expect(getInputs(reader({}), {})).toMatchObject({
      mode: 'publish',
      workingDirectory: '.',
      artifactPath: 'live-update-artifact',
      buildCommand: undefined,
      backend: 'folder',
      registryPath: '.live-updates',
      onNativeChange: 'fail',
      comment: true,
      s3: { region: 'us-east-1', prefix: '' }
    })
  })

  it('reads build-command none as no build', () => {
    expect(getInputs(reader({ 'build-command': 'none' }), {}).buildCommand).toBeNull()
  })

  it('takes S3 credentials from the AWS_* variables', () => {
    const inputs = getInputs(reader({ backend: 's3' }), { AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'eu-west-3' })
    expect(inputs.s3).toMatchObject({ accessKeyId: 'AKIA', secretAccessKey: 'secret', region: 'eu-west-3' })
  })

  it.each([
    [{ backend: 'ftp' }, 'The backend input "ftp" is not known: use one of folder, s3, capgo.'],
    [{ version: 'latest' }, 'The version input "latest" is not a semantic version: use a version like 1.2.3 or 1.2.3-beta.1.'],
    [{ channel: 'pr/1' }, 'The channel input "pr/1" may only use letters, digits, ".", "_" and "-" (and no ".."): use a name such as production or beta.'],
    [{ channel: '..' }, /channel input "\.\."/],
    [{ 'app-id': 'com..evil' }, /app-id input "com\.\.evil"/],
    [{ 'app-id': '../../etc' }, /app-id input/],
    [{ 'on-native-change': 'ignore' }, /on-native-change input "ignore" is not known: use one of fail, skip, publish/],
    [{ comment: 'maybe' }, /comment input "maybe" is not a boolean/],
    [{ 'public-url': 'not a url' }, /public-url input "not a url" is not a URL/],
    [{ mode: 'deploy' }, /^The mode input "deploy" is not known: use one of publish, pack, publish-packed/],
    [{ 'update-endpoint-url': 'updates.example.com' }, 'The update-endpoint-url input "updates.example.com" is not a URL: use the address the update endpoint is served at, such as https://updates.example.com.'],
    [{ 'update-endpoint-url': 'file:///srv/endpoint' }, /update-endpoint-url input "file:\/\/\/srv\/endpoint" must be an http\(s\) URL without query, fragment or credentials/],
    [{ 'update-endpoint-url': 'https://updates.example.com/?key=1' }, /must be an http\(s\) URL without query/],
    [{ 'update-endpoint-url': 'https://user:pw@updates.example.com' }, /without query, fragment or credentials/],
    [{ 'update-endpoint-url': 'https://updates.example.com', backend: 'capgo' }, /^The update-endpoint-url input is for the folder and s3 backends, whose registry the update endpoint reads; devices of the capgo backend ask Capgo Cloud: remove the update-endpoint-url input\.$/]
  ])('refuses %j in one sentence naming the input', (values, message) => {
    expect(() => getInputs(reader(values), {})).toThrow(message)
  })

  it('reads update-endpoint-url as the address devices reach, without a trailing slash', () => {
    expect(getInputs(reader({ 'update-endpoint-url': 'https://updates.example.com/' }), {}).updateEndpointUrl).toBe('https://updates.example.com')
    expect(getInputs(reader({ 'update-endpoint-url': 'http://192.168.1.20:8787/live/', backend: 's3' }), {}).updateEndpointUrl).toBe('http://192.168.1.20:8787/live')
    expect(getInputs(reader({}), {}).updateEndpointUrl).toBeUndefined()
  })

  it('accepts a leading v on the version input and strips it', () => {
    expect(getInputs(reader({ version: 'v1.2.3' }), {}).version).toBe('1.2.3')
  })
})

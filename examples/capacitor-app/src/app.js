const version = '__APP_VERSION__'
document.getElementById('version').textContent = version

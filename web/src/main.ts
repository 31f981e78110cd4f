import { createApp } from 'vue'
import App from './App.vue'
// threads, reactions, pins and saved hook into the session before it starts
import './state/conversation'
import './state/prefs'
import './state/notifications'
import './style.css'

createApp(App).mount('#app')

"""w2vcnn"""
